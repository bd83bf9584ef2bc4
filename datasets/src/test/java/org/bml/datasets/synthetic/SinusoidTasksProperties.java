package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;

class SinusoidTasksProperties {
    private static final SinusoidTasks MAML =
            new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 7, DataType.DOUBLE);
    private static final SinusoidTasks BMAML =
            new SinusoidTasks(SinusoidTasks.Config.bmaml(100), 10, 10, DataType.DOUBLE);

    @Property(tries = 50)
    void taskDoesNotDependOnDrawOrderOrThread(@ForAll long seed,
                                              @ForAll @LongRange(min = 0, max = 1_000_000) long i)
            throws Exception {
        Task direct = MAML.task(seed, i);
        // Draw other tasks first, in reverse order, on other threads.
        List<Task> others = TaskAssert.drawOnThreads(MAML, seed, new long[] {i + 3, i + 1, i});
        TaskAssert.assertSameTask(direct, others.get(2));
        TaskAssert.assertSameTask(direct, MAML.task(seed, i));
    }

    @Property(tries = 50)
    void mamlParametersAndInputsAreInRange(@ForAll long seed, @ForAll long i) {
        Task t = MAML.task(seed, i);
        SineInfo s = assertInstanceOf(SineInfo.class, t.info());
        assertTrue(s.amplitude() >= 0.1 && s.amplitude() <= 5, "amplitude " + s.amplitude());
        assertTrue(s.phase() >= 0 && s.phase() <= Math.PI, "phase " + s.phase());
        assertEquals(1.0, s.frequency());
        assertEquals(0.0, s.noiseStd());
        assertEquals(i, s.index());
        double[] x = concat(values(t.supportX()), values(t.queryX()));
        double[] y = concat(values(t.supportY()), values(t.queryY()));
        for (int k = 0; k < x.length; k++) {
            assertTrue(x[k] >= -5 && x[k] <= 5, "x " + x[k]);
            // Noiseless: targets are exactly the true function.
            assertEquals(s.trueFunction().applyAsDouble(x[k]), y[k], 1e-12);
        }
    }

    @Property(tries = 30)
    void shapesFollowKAndQ(@ForAll @IntRange(min = 1, max = 12) int k,
                           @ForAll @IntRange(min = 1, max = 12) int q,
                           @ForAll @IntRange(min = 1, max = 5) int batch) {
        SinusoidTasks d = SinusoidTasks.maml(k, q);
        Task t = d.task(1, 2);
        assertArrayEquals(new long[] {k, 1}, t.supportX().shape());
        assertArrayEquals(new long[] {k, 1}, t.supportY().shape());
        assertArrayEquals(new long[] {q, 1}, t.queryX().shape());
        assertEquals(DataType.FLOAT, t.supportX().dataType());
        TaskBatch b = d.batch(1, 0, batch);
        assertArrayEquals(new long[] {batch, k, 1}, b.supportX().shape());
        assertArrayEquals(new long[] {batch, q, 1}, b.queryY().shape());
        assertEquals(TaskKind.REGRESSION, d.kind());
    }

    @Property(tries = 20)
    void batchEqualsIndividualTasks(@ForAll long seed,
                                    @ForAll @LongRange(min = -1000, max = 1000) long first,
                                    @ForAll @IntRange(min = 1, max = 8) int size) {
        TaskAssert.assertBatchMatchesTasks(MAML, seed, first, MAML.batch(seed, first, size));
        SinusoidTasks f = SinusoidTasks.maml(3, 4);
        TaskAssert.assertBatchMatchesTasks(f, seed, first, f.batch(seed, first, size));
    }

    @Property(tries = 30)
    void floatDataIsTheRoundedDoubleData(@ForAll long seed, @ForAll long i) {
        SinusoidTasks f = SinusoidTasks.maml(5, 7);
        double[] d = values(MAML.task(seed, i).queryY());
        double[] g = values(f.task(seed, i).queryY());
        for (int k = 0; k < d.length; k++) {
            assertEquals((float) d[k], (float) g[k]);
        }
    }

    @Property(tries = 50)
    void bmamlRangesAndPool(@ForAll long seed, @ForAll @LongRange(min = 0, max = 1 << 20) long i) {
        Task t = BMAML.task(seed, i);
        SineInfo s = (SineInfo) t.info();
        assertTrue(s.amplitude() >= 0.1 && s.amplitude() <= 5);
        assertTrue(s.phase() >= 0 && s.phase() <= 2 * Math.PI, "phase " + s.phase());
        assertTrue(s.frequency() >= 0.5 && s.frequency() <= 2, "frequency " + s.frequency());
        assertEquals(0.01 * s.amplitude(), s.noiseStd(), 1e-15);
        // Pool of 100: index i and i + 100 are the same data set.
        Task again = BMAML.task(seed, i + 100);
        assertArrayEquals(values(t.supportX()), values(again.supportX()));
        assertArrayEquals(values(t.queryY()), values(again.queryY()));
        assertEquals(s.amplitude(), ((SineInfo) again.info()).amplitude());
        assertEquals(i + 100, again.info().index());
    }

    @Property(tries = 10)
    void unpooledTasksDoNotRepeat(@ForAll long seed) {
        SinusoidTasks test = BMAML.unpooled();
        assertEquals(0, test.config().poolSize());
        double a = ((SineInfo) test.task(seed, 5).info()).amplitude();
        double b = ((SineInfo) test.task(seed, 105).info()).amplitude();
        assertTrue(a != b);
    }

    static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
