package org.bml.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TaskBatchTest {

    /** A distribution that only implements task(), to exercise the default batch(). */
    private static final TaskDistribution TOY = new TaskDistribution() {
        @Override
        public Task task(long seed, long index) {
            double v = seed * 100 + index;
            INDArray sx = Nd4j.create(new double[] {v, v + 0.5, v + 1}, new long[] {3, 1},
                    DataType.DOUBLE);
            INDArray sy = sx.mul(2);
            INDArray qx = Nd4j.create(new double[] {-v, -v - 1}, new long[] {2, 1},
                    DataType.DOUBLE);
            return new Task(sx, sy, qx, qx.mul(3), () -> index);
        }

        @Override
        public TaskKind kind() {
            return TaskKind.REGRESSION;
        }
    };

    @Test
    void defaultBatchStacksTasksAlongALeadingAxis() {
        TaskBatch b = TOY.batch(7, 10, 4);
        assertArrayEquals(new long[] {4, 3, 1}, b.supportX().shape());
        assertArrayEquals(new long[] {4, 2, 1}, b.queryY().shape());
        for (int t = 0; t < 4; t++) {
            Task expected = TOY.task(7, 10 + t);
            Task got = b.task(t);
            assertArrayEquals(expected.supportX().toDoubleMatrix(), got.supportX().toDoubleMatrix());
            assertArrayEquals(expected.supportY().toDoubleMatrix(), got.supportY().toDoubleMatrix());
            assertArrayEquals(expected.queryX().toDoubleMatrix(), got.queryX().toDoubleMatrix());
            assertArrayEquals(expected.queryY().toDoubleMatrix(), got.queryY().toDoubleMatrix());
            assertEquals(10 + t, got.info().index());
        }
    }

    @Test
    void rejectsNonPositiveBatchSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TOY.batch(1, 0, 0));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("batch size"));
    }

    @Test
    void labelsOfARegressionTaskAreAnError() {
        Task t = TOY.task(1, 2);
        assertThrows(IllegalStateException.class, t::supportLabels);
        assertThrows(IllegalStateException.class, () -> TOY.batch(1, 0, 2).queryLabels());
    }

    @Test
    void taskRejectsMismatchedRows() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 3, 1);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> new Task(x, y, x, x, () -> 0));
    }

    @Test
    void batchRejectsInfoOfTheWrongLength() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 3, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new TaskBatch(x, x, x, x, List.of(() -> 0)));
    }

    @Test
    void episodeInfoComparesByValue() {
        EpisodeInfo a = new EpisodeInfo(3, new int[] {4, 5}, List.of("a", "b"), new int[] {1, 0},
                new int[] {0, 1});
        EpisodeInfo b = new EpisodeInfo(3, new int[] {4, 5}, List.of("a", "b"), new int[] {1, 0},
                new int[] {0, 1});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(2, a.ways());
        assertThrows(IllegalArgumentException.class, () -> new EpisodeInfo(3, new int[] {4},
                List.of("a", "b"), new int[0], new int[0]));
    }
}
