package org.bml.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;

class OmniglotTasksTest {
    private static final OmniglotImages IMAGES = OmniglotFixture.Shared.IMAGES; // 18 x 6 drawings
    private static final OmniglotSplit ALL = OmniglotSplits.all(IMAGES, true);

    @Test
    void classesAreDrawnUniformly() {
        // alpha = 1e-3 chi-square goodness of fit over the 72 classes, seed 11.
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, 5, 1, 1);
        long[] counts = new long[72];
        TaskBatch b = d.batch(11, 0, 1500);
        int[] position = new int[IMAGES.characterCount() * 4];
        for (int i = 0; i < ALL.size(); i++) {
            position[ALL.classAt(i)] = i;
        }
        long[] firstLabel = new long[72];
        for (TaskInfo i : b.info()) {
            int[] classes = ((EpisodeInfo) i).classes();
            for (int c : classes) {
                counts[position[c]]++;
            }
            firstLabel[position[classes[0]]]++;
        }
        double[] expected = new double[72];
        java.util.Arrays.fill(expected, 1500.0 * 5 / 72);
        double p = new ChiSquareTest().chiSquareTest(expected, counts);
        assertTrue(p > 1e-3, "p = " + p);
        // The class given label 0 is uniform too: labels carry no class identity.
        java.util.Arrays.fill(expected, 1500.0 / 72);
        double p0 = new ChiSquareTest().chiSquareTest(expected, firstLabel);
        assertTrue(p0 > 1e-3, "p = " + p0);
    }

    @Test
    void rowOrderCarriesNoLabelInformation() {
        // alpha = 1e-3 chi-square over the 5 labels, seed 12: the label of support row 0 and
        // of query row 0 are uniform, i.e. rows are shuffled within each set.
        OmniglotTasks d = new OmniglotTasks(IMAGES, ALL, 5, 2, 2);
        long[] support = new long[5];
        long[] query = new long[5];
        TaskBatch b = d.batch(12, 0, 1000);
        int[][] sl = b.supportLabels();
        int[][] ql = b.queryLabels();
        for (int t = 0; t < 1000; t++) {
            support[sl[t][0]]++;
            query[ql[t][0]]++;
        }
        double[] expected = {200, 200, 200, 200, 200};
        assertTrue(new ChiSquareTest().chiSquareTest(expected, support) > 1e-3);
        assertTrue(new ChiSquareTest().chiSquareTest(expected, query) > 1e-3);
    }

    @Test
    void invalidEpisodeShapesAreRejectedWithTheParameter() {
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 73, 1, 1), "ways N=73");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 5, 4, 3), "fewer than shots K=4");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 0, 1, 1), "ways");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 5, 0, 1), "shots");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 5, 1, -2), "queries");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 5, 1, 1, DataType.HALF), "dataType");
        assertMessage(() -> new OmniglotTasks(IMAGES, ALL, 5, 1, 1).batch(1, 0, 0), "batch size");
        assertMessage(() -> new OmniglotTasks(IMAGES,
                new OmniglotSplit("alien", new int[] {4 * 500}), 1, 1, 1), "characters are loaded");
    }

    @Test
    void recyclingABatchOfAnotherShapeIsRejected() {
        OmniglotTasks a = new OmniglotTasks(IMAGES, ALL, 5, 1, 1);
        OmniglotTasks b = new OmniglotTasks(IMAGES, ALL, 4, 1, 1);
        TaskBatch wrong = b.batch(1, 0, 2);
        assertMessage(() -> a.batchInto(1, 0, wrong), "supportX");
        TaskBatch dbl = new OmniglotTasks(IMAGES, ALL, 5, 1, 1, DataType.DOUBLE).batch(1, 0, 2);
        assertMessage(() -> a.batchInto(1, 0, dbl), "DOUBLE");
    }

    @Test
    void nonMutuallyExclusiveTasksFixEachClassLabel() {
        NonMutexOmniglotTasks d = new NonMutexOmniglotTasks(IMAGES, ALL, 5, 1, 1, 3L);
        assertEquals(14, d.groupCount()); // 72 classes / 5, two left over
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int g = 0; g < d.groupCount(); g++) {
            for (int c : d.group(g)) {
                assertTrue(seen.add(c), "class " + c + " in two groups");
            }
        }
        java.util.Map<Integer, Integer> labelOf = new java.util.HashMap<>();
        TaskBatch b = d.batch(4, 0, 300);
        java.util.Set<Integer> groupsUsed = new java.util.HashSet<>();
        for (TaskInfo i : b.info()) {
            int[] classes = ((EpisodeInfo) i).classes();
            for (int j = 0; j < classes.length; j++) {
                Integer before = labelOf.put(classes[j], j);
                assertTrue(before == null || before == j, "class " + classes[j] + " changed label");
            }
            for (int g = 0; g < d.groupCount(); g++) {
                if (java.util.Arrays.equals(d.group(g), classes)) {
                    groupsUsed.add(g);
                }
            }
        }
        assertEquals(d.groupCount(), groupsUsed.size(), "every episode is a whole group");
        // Same partition seed, same groups; another seed, other groups.
        assertEquals(java.util.Arrays.toString(d.group(0)),
                java.util.Arrays.toString(new NonMutexOmniglotTasks(IMAGES, ALL, 5, 1, 1, 3L).group(0)));
        assertTrue(!java.util.Arrays.equals(d.group(0),
                new NonMutexOmniglotTasks(IMAGES, ALL, 5, 1, 1, 4L).group(0)));
        org.bml.datasets.TaskAssert.assertBatchMatchesTasks(d, 4, 0, d.batch(4, 0, 3));
        OmniglotTasksProperties.checkLabels(d.task(4, 9).supportLabels(), 5, 1);
        assertMessage(() -> new NonMutexOmniglotTasks(IMAGES, ALL, 80, 1, 1, 3L), "ways N=80");
    }

    static void assertMessage(Executable e, String word) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(word), ex.getMessage());
    }
}
