package org.bml.datasets.omniglot;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.datasets.DatasetException;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class OneShotBenchmarkTest {
    @TempDir
    Path dir;

    /** Query i of run r shows class LABELS[r][i] (0-based). */
    private static final int[][] LABELS = {{2, 0, 1}, {1, 1, 0}};

    private static long trainSeed(int run, int cls) {
        return 50_000 + run * 100 + cls;
    }

    private static long testSeed(int run, int item) {
        return 90_000 + run * 100 + item;
    }

    /** Two runs of 3-way one-shot in the layout of all_runs.zip. */
    private Map<String, byte[]> runs() {
        Map<String, byte[]> e = new LinkedHashMap<>();
        for (int r = 0; r < 2; r++) {
            String run = String.format("run%02d", r + 1);
            e.put(run + "/", null);
            StringBuilder labels = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                e.put(String.format("%s/test/item%02d.png", run, i + 1),
                        OmniglotFixture.png(OmniglotFixture.glyph(testSeed(r, i))));
                labels.append(String.format("%s/test/item%02d.png %s/training/class%02d.png%n",
                        run, i + 1, run, LABELS[r][i] + 1));
            }
            // Written in reverse so the loader must sort the training images itself.
            for (int c = 2; c >= 0; c--) {
                e.put(String.format("%s/training/class%02d.png", run, c + 1),
                        OmniglotFixture.png(OmniglotFixture.glyph(trainSeed(r, c))));
            }
            e.put(run + "/class_labels.txt", labels.toString().getBytes(StandardCharsets.UTF_8));
        }
        return e;
    }

    private Path zip(Map<String, byte[]> entries) {
        Path z = dir.resolve("all_runs.zip");
        OmniglotFixture.writeZip(z, entries);
        return z;
    }

    @Test
    void runsAreFixedEpisodesWithTheListedLabels() {
        OneShotBenchmark b = OneShotBenchmark.load(zip(runs()));
        assertEquals(2, b.runs());
        assertEquals(3, b.ways());
        assertEquals(3, b.queries());
        for (int r = 0; r < 2; r++) {
            Task t = b.run(r);
            assertArrayEquals(new int[] {0, 1, 2}, t.supportLabels());
            assertArrayEquals(LABELS[r], t.queryLabels());
            double[] sx = values(t.supportX());
            double[] qx = values(t.queryX());
            for (int c = 0; c < 3; c++) {
                float[] exp = OmniglotFixture.expected28(OmniglotFixture.glyph(trainSeed(r, c)));
                for (int p = 0; p < 784; p++) {
                    assertEquals(exp[p], (float) sx[c * 784 + p], 1e-6f);
                }
            }
            for (int i = 0; i < 3; i++) {
                float[] exp = OmniglotFixture.expected28(OmniglotFixture.glyph(testSeed(r, i)));
                for (int p = 0; p < 784; p++) {
                    assertEquals(exp[p], (float) qx[i * 784 + p], 1e-6f);
                }
            }
            OmniglotTasksProperties.checkOneHot(values(t.queryY()), t.queryLabels(), 3);
            OmniglotTasksProperties.checkOneHot(values(t.supportY()), t.supportLabels(), 3);
            EpisodeInfo info = (EpisodeInfo) t.info();
            assertEquals(String.format("run%02d/training/class03.png", r + 1),
                    info.classNames().get(2));
            // The seed is irrelevant: the episodes are fixed.
            org.bml.datasets.TaskAssert.assertSameTask(t, b.task(12345, r));
        }
        TaskBatch all = b.all();
        assertArrayEquals(new long[] {2, 3, 1, 28, 28}, all.queryX().shape());
        org.bml.datasets.TaskAssert.assertBatchMatchesTasks(b, 0, 0, all);
        assertEquals(2, b.episodes().size());
        assertEquals(DataType.DOUBLE,
                OneShotBenchmark.load(dir.resolve("all_runs.zip"), DataType.DOUBLE).run(0)
                        .supportX().dataType());
        assertThrows(IllegalArgumentException.class, () -> b.task(0, 2));
        assertThrows(IllegalArgumentException.class, () -> b.batch(0, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> b.batch(0, 0, 0));
    }

    @Test
    void missingLabelsFileIsNamed() {
        Map<String, byte[]> e = runs();
        e.remove("run02/class_labels.txt");
        DatasetException ex = assertThrows(DatasetException.class, () -> OneShotBenchmark.load(zip(e)));
        assertTrue(ex.getMessage().contains("run02") && ex.getMessage().contains("class_labels.txt"),
                ex.getMessage());
    }

    @Test
    void labelLineNamingAMissingImageIsAnError() {
        Map<String, byte[]> e = runs();
        e.remove("run01/test/item02.png");
        DatasetException ex = assertThrows(DatasetException.class, () -> OneShotBenchmark.load(zip(e)));
        assertTrue(ex.getMessage().contains("run01/test/item02.png"), ex.getMessage());
    }

    @Test
    void malformedLabelLineIsNamed() {
        Map<String, byte[]> e = runs();
        e.put("run01/class_labels.txt", "run01/test/item01.png\n".getBytes(StandardCharsets.UTF_8));
        DatasetException ex = assertThrows(DatasetException.class, () -> OneShotBenchmark.load(zip(e)));
        assertTrue(ex.getMessage().contains("run01/class_labels.txt:1"), ex.getMessage());
    }

    @Test
    void unexpectedEntriesAndMissingFilesAreNamed() {
        Map<String, byte[]> e = runs();
        e.put("run01/notes.md", new byte[] {1});
        DatasetException ex = assertThrows(DatasetException.class, () -> OneShotBenchmark.load(zip(e)));
        assertTrue(ex.getMessage().contains("run01/notes.md"), ex.getMessage());
        DatasetException missing = assertThrows(DatasetException.class,
                () -> OneShotBenchmark.load(dir.resolve("nothing.zip")));
        assertTrue(missing.getMessage().contains("nothing.zip"));
        Map<String, byte[]> empty = new LinkedHashMap<>();
        empty.put("run01/", null);
        DatasetException none = assertThrows(DatasetException.class,
                () -> OneShotBenchmark.load(zip(empty)));
        assertTrue(none.getMessage().contains("no runs"), none.getMessage());
    }

    @Test
    void runsOfDifferentSizesCannotBeBatched() {
        Map<String, byte[]> e = runs();
        e.remove("run02/training/class03.png");
        e.put("run02/class_labels.txt",
                "run02/test/item01.png run02/training/class01.png\n".getBytes(StandardCharsets.UTF_8));
        DatasetException ex = assertThrows(DatasetException.class, () -> OneShotBenchmark.load(zip(e)));
        assertTrue(ex.getMessage().contains("run02"), ex.getMessage());
    }
}
