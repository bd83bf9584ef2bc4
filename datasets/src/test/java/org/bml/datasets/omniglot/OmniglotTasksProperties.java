package org.bml.datasets.omniglot;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;

class OmniglotTasksProperties {
    private static final OmniglotImages IMAGES = OmniglotFixture.Shared.IMAGES;
    private static final OmniglotSplit ALL = OmniglotSplits.all(IMAGES, true);

    @Property(tries = 60)
    void labelsArePermutedWithExactlyKAndQPerClass(@ForAll long seed, @ForAll long index,
                                                   @ForAll @IntRange(min = 1, max = 8) int n,
                                                   @ForAll @IntRange(min = 1, max = 3) int k,
                                                   @ForAll @IntRange(min = 1, max = 3) int q) {
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, n, k, q);
        Task t = d.task(seed, index);
        assertArrayEquals(new long[] {n * k, 1, 28, 28}, t.supportX().shape());
        assertArrayEquals(new long[] {n * k, n}, t.supportY().shape());
        assertArrayEquals(new long[] {n * q, 1, 28, 28}, t.queryX().shape());
        assertArrayEquals(new long[] {n * q, n}, t.queryY().shape());
        checkLabels(t.supportLabels(), n, k);
        checkLabels(t.queryLabels(), n, q);
        checkOneHot(values(t.supportY()), t.supportLabels(), n);
        checkOneHot(values(t.queryY()), t.queryLabels(), n);
        EpisodeInfo info = (EpisodeInfo) t.info();
        assertEquals(n, new HashSet<>(Arrays.stream(info.classes()).boxed().toList()).size(),
                "classes must be distinct");
        assertEquals(TaskKind.CLASSIFICATION, d.kind());
    }

    static void checkLabels(int[] labels, int n, int perClass) {
        int[] count = new int[n];
        for (int l : labels) {
            count[l]++;
        }
        for (int j = 0; j < n; j++) {
            assertEquals(perClass, count[j], "label " + j + " in " + Arrays.toString(labels));
        }
    }

    static void checkOneHot(double[] y, int[] labels, int n) {
        for (int r = 0; r < labels.length; r++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                double v = y[r * n + j];
                assertTrue(v == 0 || v == 1, "one-hot entry " + v);
                sum += v;
            }
            assertEquals(1.0, sum, "row " + r);
            assertEquals(1.0, y[r * n + labels[r]]);
        }
    }

    @Property(tries = 40)
    void imagesAreDistinctDrawingsOfTheLabelledRotatedClass(@ForAll long seed, @ForAll long index) {
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, 4, 2, 3);
        Task t = d.task(seed, index);
        EpisodeInfo info = (EpisodeInfo) t.info();
        Set<String> used = new HashSet<>();
        checkImages(values(t.supportX()), t.supportLabels(), info, used);
        checkImages(values(t.queryX()), t.queryLabels(), info, used);
        assertEquals(4 * 5, used.size(), "drawings must not repeat within an episode");
    }

    private static void checkImages(double[] x, int[] labels, EpisodeInfo info, Set<String> used) {
        for (int r = 0; r < labels.length; r++) {
            int code = info.classes()[labels[r]];
            OmniglotCharacter ch = IMAGES.characters().get(OmniglotSplit.characterOf(code));
            float[] row = new float[784];
            for (int p = 0; p < 784; p++) {
                row[p] = (float) x[r * 784 + p];
            }
            int found = -1;
            for (int dr = 0; dr < ch.imageCount(); dr++) {
                float[] expected = ImageOps.rotate(IMAGES.image(ch.firstImage() + dr), 28,
                        OmniglotSplit.quarterTurnsOf(code));
                if (Arrays.equals(expected, row)) {
                    found = dr;
                }
            }
            if (found < 0) {
                fail("row " + r + " is no drawing of " + info.classNames().get(labels[r]));
            }
            assertTrue(used.add(code + ":" + found));
        }
    }

    @Property(tries = 30)
    void episodesAreReproducibleAcrossOrderAndThreads(@ForAll long seed,
                                                      @ForAll @LongRange(min = 0, max = 1 << 30) long i)
            throws Exception {
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, 5, 1, 2);
        Task direct = d.task(seed, i);
        List<Task> viaThreads = TaskAssert.drawOnThreads(d, seed, new long[] {i + 7, i, i + 1});
        TaskAssert.assertSameTask(direct, viaThreads.get(1));
        TaskAssert.assertSameTask(direct, d.task(seed, i));
    }

    @Property(tries = 20)
    void batchesStackTheIndividualEpisodes(@ForAll long seed,
                                           @ForAll @LongRange(min = 0, max = 1000) long first,
                                           @ForAll @IntRange(min = 1, max = 9) int size) {
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, 3, 2, 2);
        TaskBatch b = d.batch(seed, first, size);
        assertArrayEquals(new long[] {size, 6, 1, 28, 28}, b.supportX().shape());
        assertArrayEquals(new long[] {size, 6, 3}, b.queryY().shape());
        TaskAssert.assertBatchMatchesTasks(d, seed, first, b);
        // Recycling a batch's arrays gives the same content as a fresh batch.
        TaskBatch other = d.batch(seed + 1, first + 5, size);
        TaskBatch recycled = d.batchInto(seed, first, other);
        TaskAssert.assertBatchMatchesTasks(d, seed, first, recycled);
        assertTrue(recycled.supportX() == other.supportX());
        assertEquals(size, b.supportLabels().length);
        assertArrayEquals(((EpisodeInfo) b.info().get(0)).queryLabels(), b.queryLabels()[0]);
    }

    @Property(tries = 10)
    void doubleEpisodesHoldTheSameValues(@ForAll long seed) {
        Task f = new OmniglotTasks(IMAGES, ALL, 3, 1, 1).task(seed, 3);
        Task d = new OmniglotTasks(IMAGES, ALL, 3, 1, 1, DataType.DOUBLE).task(seed, 3);
        assertEquals(DataType.DOUBLE, d.queryX().dataType());
        double[] a = values(f.queryX());
        double[] b = values(d.queryX());
        for (int i = 0; i < a.length; i++) {
            assertEquals((float) a[i], (float) b[i]);
        }
        assertEquals(f.info(), d.info());
    }
}
