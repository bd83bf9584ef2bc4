package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class NonMutexSinusoidTasksProperties {
    private static final NonMutexSinusoidTasks TRAIN = new NonMutexSinusoidTasks(
            NonMutexSinusoidTasks.Split.TRAIN, 5, 5, 0.0, DataType.DOUBLE);
    private static final NonMutexSinusoidTasks TEST = new NonMutexSinusoidTasks(
            NonMutexSinusoidTasks.Split.TEST, 5, 5, 0.0, DataType.DOUBLE);

    @Property(tries = 100)
    void trainingTasksUseTheFirstSixteenGridAmplitudes(@ForAll long seed, @ForAll long i) {
        Task t = TRAIN.task(seed, i);
        NonMutexSineInfo s = (NonMutexSineInfo) t.info();
        assertTrue(s.gridIndex() >= 0 && s.gridIndex() < 16, "grid " + s.gridIndex());
        assertEquals(s.gridIndex(), s.oneHotIndex());
        assertEquals(0.1 + s.gridIndex() * 3.9 / 19, s.amplitude(), 1e-12);
        checkRows(t, s);
    }

    @Property(tries = 100)
    void testTasksHaveContinuousAmplitudeAndRandomOneHot(@ForAll long seed, @ForAll long i) {
        Task t = TEST.task(seed, i);
        NonMutexSineInfo s = (NonMutexSineInfo) t.info();
        assertEquals(-1, s.gridIndex());
        assertTrue(s.amplitude() >= 0.1 && s.amplitude() <= 4);
        // The notebook's test one-hot names a training task (0..15), never an unseen column.
        assertTrue(s.oneHotIndex() >= 0 && s.oneHotIndex() < 16, "one-hot " + s.oneHotIndex());
        checkRows(t, s);
    }

    /** Each row is [x, one-hot(oneHotIndex)], one-hot rows sum to 1, y = A sin(x) (no phase). */
    private static void checkRows(Task t, NonMutexSineInfo s) {
        assertArrayEquals(new long[] {5, 21}, t.supportX().shape());
        double[] x = values(t.supportX());
        double[] y = values(t.supportY());
        for (int r = 0; r < 5; r++) {
            double sum = 0;
            for (int c = 1; c < 21; c++) {
                double v = x[r * 21 + c];
                assertEquals(c - 1 == s.oneHotIndex() ? 1.0 : 0.0, v);
                sum += v;
            }
            assertEquals(1.0, sum);
            double xi = x[r * 21];
            assertTrue(xi >= -5 && xi <= 5);
            assertEquals(s.amplitude() * Math.sin(xi), y[r], 1e-12);
        }
    }

    @Property(tries = 10)
    void batchesMatchTasks(@ForAll long seed) {
        TaskAssert.assertBatchMatchesTasks(TRAIN, seed, 3, TRAIN.batch(seed, 3, 4));
        TaskAssert.assertBatchMatchesTasks(TEST, seed, 3, TEST.batch(seed, 3, 4));
    }

    @Test
    void gridAndNoiseDefaults() {
        assertEquals(0.1, NonMutexSinusoidTasks.amplitude(0), 1e-15);
        assertEquals(4.0, NonMutexSinusoidTasks.amplitude(19), 1e-15);
        SinusoidTasksTest.assertMessage(() -> NonMutexSinusoidTasks.amplitude(20), "grid index");
        NonMutexSinusoidTasks d = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TRAIN,
                10, 10);
        assertEquals(0.1, ((NonMutexSineInfo) d.task(1, 1).info()).noiseStd());
        // Over many tasks every training grid point 0..15 occurs and none above.
        boolean[] seen = new boolean[20];
        TaskBatch b = d.batch(9, 0, 400);
        for (TaskInfo i : b.info()) {
            seen[((NonMutexSineInfo) i).gridIndex()] = true;
        }
        for (int g = 0; g < 20; g++) {
            assertEquals(g < 16, seen[g], "grid " + g);
        }
    }
}
