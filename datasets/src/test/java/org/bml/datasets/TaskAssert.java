package org.bml.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test helpers: exact comparison of tasks and drawing tasks on other threads. */
public final class TaskAssert {
    private TaskAssert() {
    }

    /** All values of {@code a}, row major, as doubles. */
    public static double[] values(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    /** Bitwise-equal data, same shapes, equal metadata. */
    public static void assertSameTask(Task expected, Task actual) {
        assertSameArray(expected.supportX(), actual.supportX());
        assertSameArray(expected.supportY(), actual.supportY());
        assertSameArray(expected.queryX(), actual.queryX());
        assertSameArray(expected.queryY(), actual.queryY());
        assertEquals(expected.info(), actual.info());
    }

    public static void assertSameArray(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(values(expected), values(actual));
    }

    /** Every slice of the batch equals the task drawn on its own. */
    public static void assertBatchMatchesTasks(TaskDistribution d, long seed, long first,
                                               TaskBatch batch) {
        for (int t = 0; t < batch.size(); t++) {
            assertSameTask(d.task(seed, first + t), batch.task(t));
        }
    }

    /** Draws {@code indices} under {@code seed} on a fresh thread pool, in the given order. */
    public static List<Task> drawOnThreads(TaskDistribution d, long seed, long[] indices)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Task>> fs = new ArrayList<>();
            for (long i : indices) {
                fs.add(pool.submit(() -> d.task(seed, i)));
            }
            List<Task> out = new ArrayList<>();
            for (Future<Task> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
