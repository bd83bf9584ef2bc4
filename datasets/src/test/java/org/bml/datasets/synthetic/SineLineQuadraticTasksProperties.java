package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.bml.datasets.FunctionInfo;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class SineLineQuadraticTasksProperties {
    private static final SineLineQuadraticTasks NOISELESS = new SineLineQuadraticTasks(4, 6, 0.0, DataType.DOUBLE);

    @Property(tries = 50)
    void eachTaskIsOneFamilyWithinRange(@ForAll long seed, @ForAll long i) {
        Task t = NOISELESS.task(seed, i);
        TaskInfo info = t.info();
        switch (SineLineQuadraticTasks.family(info)) {
            case SINE -> {
                SineInfo s = (SineInfo) info;
                assertTrue(s.amplitude() >= 0.1 && s.amplitude() <= 5 && s.phase() >= 0 && s.phase() <= Math.PI);
                assertEquals(1.0, s.frequency());
            }
            case LINE -> {
                LineInfo l = (LineInfo) info;
                assertTrue(Math.abs(l.slope()) <= 3 && Math.abs(l.intercept()) <= 3, l.toString());
            }
            case QUADRATIC -> {
                QuadraticInfo q = (QuadraticInfo) info;
                assertTrue(Math.abs(q.a()) <= 0.2 && Math.abs(q.b()) <= 2 && Math.abs(q.c()) <= 3, q.toString());
            }
        }
        var f = ((FunctionInfo) info).trueFunction();
        double[] x = values(t.queryX());
        double[] y = values(t.queryY());
        for (int k = 0; k < x.length; k++) {
            assertTrue(x[k] >= -5 && x[k] <= 5);
            assertEquals(f.applyAsDouble(x[k]), y[k], 1e-12);
        }
    }

    @Property(tries = 20)
    void reproducibleAndBatchesMatch(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int n) throws Exception {
        TaskBatch b = NOISELESS.batch(seed, 40, n);
        TaskAssert.assertBatchMatchesTasks(NOISELESS, seed, 40, b);
        Task viaThread = TaskAssert.drawOnThreads(NOISELESS, seed, new long[] {41, 40}).get(1);
        TaskAssert.assertSameTask(NOISELESS.task(seed, 40), viaThread);
    }

    @Test
    void familiesAreEquallyLikely() {
        // Pearson chi-squared test of uniform families, 2 degrees of freedom, alpha = 1e-3, seed 77.
        int n = 3000;
        TaskBatch b = new SineLineQuadraticTasks(1, 1).batch(77, 0, n);
        int[] counts = new int[3];
        for (TaskInfo i : b.info()) {
            counts[SineLineQuadraticTasks.family(i).ordinal()]++;
        }
        double chi2 = 0;
        for (int c : counts) {
            chi2 += (c - n / 3.0) * (c - n / 3.0) / (n / 3.0);
        }
        double p = 1 - new ChiSquaredDistribution(2).cumulativeProbability(chi2);
        assertTrue(p > 1e-3, java.util.Arrays.toString(counts) + ", p = " + p);
    }

    @Test
    void noiseHasTheStatedStandardDeviation() {
        // Residuals y − f(x) over 400 tasks × 10 points: sample std within 5% of 0.3 (≈ 7 standard errors).
        SineLineQuadraticTasks d = new SineLineQuadraticTasks(5, 5, 0.3, DataType.DOUBLE);
        TaskBatch b = d.batch(3, 0, 400);
        double[] xs = b.supportX().dup().data().asDouble();
        double[] ys = b.supportY().dup().data().asDouble();
        double s2 = 0;
        int m = 0;
        for (int t = 0; t < 400; t++) {
            var f = ((FunctionInfo) b.info().get(t)).trueFunction();
            for (int k = 0; k < 5; k++) {
                double r = ys[t * 5 + k] - f.applyAsDouble(xs[t * 5 + k]);
                s2 += r * r;
                m++;
            }
        }
        assertEquals(0.3, Math.sqrt(s2 / m), 0.015);
        assertEquals(0.3, ((FunctionInfo) new SineLineQuadraticTasks(5, 5).task(1, 1).info()).noiseStd());
    }

    @Test
    void badInputIsRefused() {
        SinusoidTasksTest.assertMessage(() -> new SineLineQuadraticTasks(5, 5, -0.1, DataType.FLOAT), "noiseStd");
        SinusoidTasksTest.assertMessage(() -> new SineLineQuadraticTasks(0, 5), "supportSize");
        assertThrows(IllegalArgumentException.class, () -> SineLineQuadraticTasks.family(null));
    }
}
