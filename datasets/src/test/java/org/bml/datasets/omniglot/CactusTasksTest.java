package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class CactusTasksTest {
    private static final OmniglotImages IMAGES = OmniglotFixture.Shared.IMAGES; // 18 x 6 drawings
    private static final OmniglotSplits.TrainTest SPLIT = OmniglotSplits.maml(IMAGES, 0, 12, true);
    private static final CactusPartitions.Config CONFIG = new CactusPartitions.Config(3, 5, 10, 10, 5);
    private static final CactusTasks TASKS = CactusTasks.fromSplit(IMAGES, SPLIT.train(), false, CONFIG, 2, 1, 1,
            DataType.FLOAT);

    @Test
    void poolIsTheUnrotatedDrawingsOfTheTrainingCharactersOnly() {
        Set<Integer> train = new HashSet<>();
        for (int code : SPLIT.train().classes()) {
            train.add(OmniglotSplit.characterOf(code));
        }
        assertEquals(12 * 6, TASKS.poolSize());
        for (int i = 0; i < TASKS.poolSize(); i++) {
            int[] e = TASKS.poolEntry(i);
            assertEquals(0, e[1]);
            assertTrue(train.contains(characterOfImage(e[0])), "image " + e[0] + " is not a training drawing");
        }
    }

    @Test
    void everyRowIsAPoolImageAndEveryLabelOneDistinctClusterOfOnePartition() {
        Map<String, Integer> poolByPixels = new HashMap<>();
        for (int i = 0; i < TASKS.poolSize(); i++) {
            int[] e = TASKS.poolEntry(i);
            poolByPixels.put(Arrays.toString(IMAGES.image(e[0], e[1])), i);
        }
        Set<String> testImages = new HashSet<>();
        for (int code : SPLIT.test().classes()) {
            OmniglotCharacter ch = IMAGES.characters().get(OmniglotSplit.characterOf(code));
            for (int i = 0; i < ch.imageCount(); i++) {
                testImages.add(Arrays.toString(IMAGES.image(ch.firstImage() + i, OmniglotSplit.quarterTurnsOf(code))));
            }
        }
        int k = CONFIG.clusters();
        Set<Integer> partitionsSeen = new HashSet<>();
        TaskBatch b = TASKS.batch(3, 0, 60);
        for (int t = 0; t < 60; t++) {
            EpisodeInfo info = (EpisodeInfo) b.info().get(t);
            int[] classes = info.classes();
            assertEquals(2, Arrays.stream(classes).distinct().count(), "repeated cluster " + Arrays.toString(classes));
            int p = classes[0] / k;
            partitionsSeen.add(p);
            for (int c : classes) {
                assertEquals(p, c / k, "clusters of two partitions in one task");
            }
            int[] labelsOfP = TASKS.partitions().labels(p);
            check(b.supportX().slice(t), info.supportLabels(), classes, labelsOfP, poolByPixels, testImages);
            check(b.queryX().slice(t), info.queryLabels(), classes, labelsOfP, poolByPixels, testImages);
            // One-hot rows agree with the integer labels.
            for (int r = 0; r < info.supportLabels().length; r++) {
                assertEquals(1.0, b.supportY().getDouble(t, r, info.supportLabels()[r]));
                assertEquals(1.0, b.supportY().slice(t).getRow(r).sumNumber().doubleValue());
            }
        }
        assertEquals(3, partitionsSeen.size(), "every partition is drawn");
    }

    private static void check(INDArray x, int[] labels, int[] classes, int[] labelsOfP, Map<String, Integer> pool,
                              Set<String> testImages) {
        int k = CONFIG.clusters();
        for (int r = 0; r < labels.length; r++) {
            float[] row = x.slice(r).dup().data().asFloat();
            String key = Arrays.toString(row);
            assertFalse(testImages.contains(key), "a test-split image in a CACTUs task");
            Integer entry = pool.get(key);
            assertTrue(entry != null, "row " + r + " is not a pool image");
            assertEquals(classes[labels[r]] % k, labelsOfP[entry], "row " + r + " is not in its label's cluster");
        }
    }

    @Test
    void deterministicBySeedAndIndex() {
        CactusTasks again = CactusTasks.fromSplit(IMAGES, SPLIT.train(), false, CONFIG, 2, 1, 1, DataType.FLOAT);
        for (int p = 0; p < CONFIG.partitions(); p++) {
            assertArrayEquals(TASKS.partitions().labels(p), again.partitions().labels(p));
        }
        TaskBatch a = TASKS.batch(9, 4, 5);
        TaskBatch b = again.batch(9, 4, 5);
        assertEquals(a.supportX(), b.supportX());
        assertEquals(a.queryY(), b.queryY());
        assertEquals(a.info(), b.info());
        Task single = TASKS.task(9, 6);
        assertEquals(a.supportX().slice(2), single.supportX());
        assertEquals(a.info().get(2), single.info());
        // Another seed draws other tasks; another k-means seed other partitions.
        assertFalse(TASKS.batch(10, 4, 5).info().equals(a.info()));
        CactusTasks other = CactusTasks.fromSplit(IMAGES, SPLIT.train(), false,
                new CactusPartitions.Config(3, 5, 10, 10, 6), 2, 1, 1, DataType.FLOAT);
        assertFalse(Arrays.equals(TASKS.partitions().labels(0), other.partitions().labels(0)));
        // The partitions of one run differ from one another (their own seeds and scalings).
        assertFalse(Arrays.equals(TASKS.partitions().labels(0), TASKS.partitions().labels(1)));
    }

    @Test
    void pcaComponentsAreUncorrelatedWithDecreasingVariance() {
        int n = TASKS.poolSize();
        float[] pixels = new float[n * OmniglotImages.PIXELS];
        for (int i = 0; i < n; i++) {
            int[] e = TASKS.poolEntry(i);
            System.arraycopy(IMAGES.image(e[0], e[1]), 0, pixels, i * OmniglotImages.PIXELS, OmniglotImages.PIXELS);
        }
        double[][] z = CactusPartitions.pcaEmbedding(pixels, n, 6);
        double[][] cov = new double[6][6];
        for (double[] row : z) {
            for (int a = 0; a < 6; a++) {
                for (int c = 0; c < 6; c++) {
                    cov[a][c] += row[a] * row[c] / (n - 1);
                }
            }
        }
        for (int a = 0; a < 6; a++) {
            if (a > 0) {
                assertTrue(cov[a][a] <= cov[a - 1][a - 1] * (1 + 1e-9), "variance not decreasing at " + a);
            }
            for (int c = 0; c < a; c++) {
                assertEquals(0, cov[a][c], 1e-9 * cov[0][0], "components " + a + ", " + c + " correlated");
            }
        }
    }

    @Test
    void refusesPartitionsWithTooFewLargeClusters() {
        int[][] labels = new int[1][TASKS.poolSize()];
        for (int i = 0; i < labels[0].length; i++) {
            labels[0][i] = i < 2 ? 1 : 0; // cluster 1 has 2 images, cluster 0 the rest
        }
        CactusPartitions two = CactusPartitions.of(new CactusPartitions.Config(1, 2, 4, 1, 0), labels);
        int[] img = new int[TASKS.poolSize()];
        int[] turns = new int[TASKS.poolSize()];
        for (int i = 0; i < img.length; i++) {
            img[i] = TASKS.poolEntry(i)[0];
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CactusTasks(IMAGES, img, turns, two, 2, 2, 1, DataType.FLOAT));
        assertTrue(e.getMessage().contains("fewer than ways N=2"), e.getMessage());
        // With episodes of 2 images both clusters qualify.
        assertEquals(2, new CactusTasks(IMAGES, img, turns, two, 2, 1, 1, DataType.FLOAT).eligibleClusters(0));
        assertThrows(IllegalArgumentException.class, () -> new CactusPartitions.Config(1, 1, 4, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CactusPartitions.Config(1, 2, 785, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> CactusTasks.fromSplit(IMAGES, SPLIT.train(), false,
                new CactusPartitions.Config(1, 100, 4, 1, 0), 2, 1, 1, DataType.FLOAT));
    }

    private static int characterOfImage(int image) {
        for (int c = 0; c < IMAGES.characterCount(); c++) {
            OmniglotCharacter ch = IMAGES.characters().get(c);
            if (image >= ch.firstImage() && image < ch.firstImage() + ch.imageCount()) {
                return c;
            }
        }
        throw new AssertionError("image " + image + " belongs to no character");
    }
}
