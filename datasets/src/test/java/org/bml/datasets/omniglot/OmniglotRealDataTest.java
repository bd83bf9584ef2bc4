package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Integration test on the real Omniglot files (skipped when the data directory is absent).
 * Decodes both archives once (a few seconds) and checks the published counts.
 */
class OmniglotRealDataTest {
    private static Path root;
    private static OmniglotImages images;

    @BeforeAll
    static void load() {
        root = OmniglotPaths.find().orElse(null);
        assumeTrue(root != null && Files.isRegularFile(root.resolve(OmniglotPaths.BACKGROUND_ZIP))
                && Files.isRegularFile(root.resolve(OmniglotPaths.EVALUATION_ZIP)),
                "Omniglot data not found; set -D" + OmniglotPaths.PROPERTY);
        images = OmniglotImages.load(2, root.resolve(OmniglotPaths.BACKGROUND_ZIP),
                root.resolve(OmniglotPaths.EVALUATION_ZIP));
        System.out.printf("omniglot full load: %.2f s for %d images%n", images.loadSeconds(),
                images.imageCount());
    }

    @Test
    void countsMatchThePublishedRelease() {
        assertEquals(1623, images.characterCount());
        assertEquals(32460, images.imageCount());
        long background = images.characters().stream()
                .filter(c -> c.set().equals("images_background")).count();
        assertEquals(964, background);
        assertEquals(659, images.characterCount() - background);
        Set<String> alphabets = new HashSet<>();
        for (int i = 0; i < images.characterCount(); i++) {
            OmniglotCharacter c = images.characters().get(i);
            assertEquals(20, c.imageCount(), c.path());
            assertEquals(i + 1, c.id(), "ids are 1..1623 in order");
            alphabets.add(c.alphabet());
        }
        assertEquals(50, alphabets.size());
        // Ink is a minority of the pixels, and every pixel is a valid ink fraction.
        float[] first = images.image(0);
        double ink = 0;
        for (float v : first) {
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
            ink += v;
        }
        assertTrue(ink / 784 > 0.01 && ink / 784 < 0.5, "ink fraction " + ink / 784);
    }

    @Test
    void fastDecoderAgreesWithImageIoOnRealFiles() throws Exception {
        try (ZipFile zf = new ZipFile(root.resolve(OmniglotPaths.EVALUATION_ZIP).toFile())) {
            InkDecoder slow = new InkDecoder(28);
            OneBitPng fast = new OneBitPng();
            float[] ink = new float[105 * 105];
            int n = 0;
            var en = zf.entries();
            while (en.hasMoreElements() && n < 300) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                n++;
                byte[] png = zf.getInputStream(e).readAllBytes();
                assertTrue(fast.decode(png, e.getName(), ink, 105, 105), e.getName());
                slow.decodeWithImageIo(png, e.getName());
                assertArrayEquals(slow.lastInk(), ink, e.getName());
            }
        }
    }

    @Test
    void splitsHaveTheirStandardSizes() {
        OmniglotSplits.TrainTest maml = OmniglotSplits.maml(images, 0);
        assertEquals(1200 * 4, maml.train().size());
        assertEquals(423 * 4, maml.test().size());
        Path vinyals = root.resolve("splits/vinyals");
        assumeTrue(Files.isDirectory(vinyals), "no Vinyals split files");
        assertEquals(1028 * 4, OmniglotSplits.vinyals(images, root, "train").size());
        assertEquals(172 * 4, OmniglotSplits.vinyals(images, root, "val").size());
        assertEquals(423 * 4, OmniglotSplits.vinyals(images, root, "test").size());
        assertEquals(1200 * 4, OmniglotSplits.vinyals(images, root, "trainval").size());
    }

    @Test
    void episodesOnTheRealData() {
        OmniglotTasks tasks = new OmniglotTasks(images, OmniglotSplits.maml(images, 0).train(),
                20, 5, 15);
        TaskBatch b = tasks.batch(1, 0, 4);
        assertArrayEquals(new long[] {4, 100, 1, 28, 28}, b.supportX().shape());
        assertArrayEquals(new long[] {4, 300, 20}, b.queryY().shape());
        OmniglotTasksProperties.checkLabels(b.task(2).queryLabels(), 20, 15);
        NonMutexOmniglotTasks nm = new NonMutexOmniglotTasks(images,
                OmniglotSplits.maml(images, 0).train(), 20, 1, 5, 0);
        assertEquals(240, nm.groupCount());
    }

    @Test
    void oneShotBenchmarkHasTwentyRunsOfTwentyWays() {
        Path zip = root.resolve(OmniglotPaths.ONE_SHOT_ZIP);
        assumeTrue(Files.isRegularFile(zip), "no all_runs.zip");
        OneShotBenchmark b = OneShotBenchmark.load(zip);
        assertEquals(20, b.runs());
        assertEquals(20, b.ways());
        assertEquals(20, b.queries());
        for (Task t : b.episodes()) {
            // In the standard runs every class is the answer to exactly one query.
            OmniglotTasksProperties.checkLabels(t.queryLabels(), 20, 1);
        }
        // run01/test/item01.png is class08 in the file.
        assertEquals(7, b.run(0).queryLabels()[0]);
    }
}
