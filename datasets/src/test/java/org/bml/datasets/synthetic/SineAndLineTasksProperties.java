package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class SineAndLineTasksProperties {
    private static final SineAndLineTasks NOISELESS =
            new SineAndLineTasks(4, 6, 0.0, DataType.DOUBLE);

    @Property(tries = 100)
    void eachTaskIsASineOrALineWithinRange(@ForAll long seed, @ForAll long i) {
        Task t = NOISELESS.task(seed, i);
        TaskInfo info = t.info();
        if (info instanceof SineInfo s) {
            assertTrue(s.amplitude() >= 0.1 && s.amplitude() <= 5);
            assertTrue(s.phase() >= 0 && s.phase() <= Math.PI);
        } else if (info instanceof LineInfo l) {
            assertTrue(l.slope() >= -3 && l.slope() <= 3, "slope " + l.slope());
            assertTrue(l.intercept() >= -3 && l.intercept() <= 3, "intercept " + l.intercept());
        } else {
            fail("unexpected info " + info);
        }
        var f = ((org.bml.datasets.FunctionInfo) info).trueFunction();
        double[] x = values(t.supportX());
        double[] y = values(t.supportY());
        for (int k = 0; k < x.length; k++) {
            assertTrue(x[k] >= -5 && x[k] <= 5);
            assertEquals(f.applyAsDouble(x[k]), y[k], 1e-12);
        }
    }

    @Property(tries = 20)
    void reproducibleAndBatchesMatch(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int n)
            throws Exception {
        TaskBatch b = NOISELESS.batch(seed, 40, n);
        TaskAssert.assertBatchMatchesTasks(NOISELESS, seed, 40, b);
        Task viaThread = TaskAssert.drawOnThreads(NOISELESS, seed, new long[] {41, 40}).get(1);
        TaskAssert.assertSameTask(NOISELESS.task(seed, 40), viaThread);
    }

    @Test
    void familiesAreEquallyLikely() {
        // alpha = 1e-3 two-sided binomial test, seed 77.
        int n = 4000;
        TaskBatch b = new SineAndLineTasks(1, 1).batch(77, 0, n);
        int sines = 0;
        for (TaskInfo i : b.info()) {
            sines += i instanceof SineInfo ? 1 : 0;
        }
        BinomialDistribution bin = new BinomialDistribution(n, 0.5);
        double p = 2 * Math.min(bin.cumulativeProbability(sines),
                1 - bin.cumulativeProbability(sines - 1));
        assertTrue(p > 1e-3, sines + " sines of " + n + ", p = " + p);
    }

    @Test
    void defaultsArePlatipusNoise() {
        SineAndLineTasks d = new SineAndLineTasks(5, 5);
        assertEquals(0.3, d.noiseStd());
        assertEquals(0.3, ((org.bml.datasets.FunctionInfo) d.task(1, 1).info()).noiseStd());
        SinusoidTasksTest.assertMessage(() -> new SineAndLineTasks(5, 5, -0.1, DataType.FLOAT),
                "noiseStd");
    }
}
