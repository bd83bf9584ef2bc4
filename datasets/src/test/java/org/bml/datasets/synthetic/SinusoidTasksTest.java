package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Distributional checks; each states its significance level alpha and fixed seed. */
class SinusoidTasksTest {
    private static final double ALPHA = 1e-3;
    private static final long SEED = 20240601L;

    @Test
    void mamlAmplitudeAndPhaseAreUniform() {
        SinusoidTasks d = SinusoidTasks.maml(1, 1);
        int n = 2000;
        double[] amp = new double[n];
        double[] phase = new double[n];
        TaskBatch b = d.batch(SEED, 0, n);
        for (int i = 0; i < n; i++) {
            SineInfo s = (SineInfo) b.info().get(i);
            amp[i] = s.amplitude();
            phase[i] = s.phase();
        }
        KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
        // alpha = 1e-3, seed SEED: reject uniformity only if p < alpha.
        assertTrue(ks.kolmogorovSmirnovTest(new UniformRealDistribution(0.1, 5), amp) > ALPHA);
        assertTrue(ks.kolmogorovSmirnovTest(new UniformRealDistribution(0, Math.PI), phase) > ALPHA);
        // And not uniform on a wrong range (the test has power).
        assertTrue(ks.kolmogorovSmirnovTest(new UniformRealDistribution(0.1, 4.5), amp) < ALPHA);
    }

    @Test
    void bmamlNoiseIsGaussianWithOnePercentOfTheAmplitude() {
        SinusoidTasks d = new SinusoidTasks(SinusoidTasks.Config.bmaml(0), 10, 10,
                DataType.DOUBLE);
        int tasks = 300;
        double[] z = new double[tasks * 20];
        int k = 0;
        for (int i = 0; i < tasks; i++) {
            Task t = d.task(SEED, i);
            SineInfo s = (SineInfo) t.info();
            double[] x = SinusoidTasksProperties.concat(values(t.supportX()), values(t.queryX()));
            double[] y = SinusoidTasksProperties.concat(values(t.supportY()), values(t.queryY()));
            for (int j = 0; j < x.length; j++) {
                z[k++] = (y[j] - s.trueFunction().applyAsDouble(x[j])) / (0.01 * s.amplitude());
            }
        }
        // alpha = 1e-3, seed SEED: standardised residuals ~ N(0, 1).
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(
                new NormalDistribution(0, 1), z);
        assertTrue(p > ALPHA, "p = " + p);
    }

    @Test
    void absoluteNoiseOption() {
        SinusoidTasks d = new SinusoidTasks(SinusoidTasks.Config.maml().withNoiseStd(0.5), 50, 50,
                DataType.DOUBLE);
        Task t = d.task(SEED, 3);
        SineInfo s = (SineInfo) t.info();
        assertEquals(0.5, s.noiseStd());
        double[] x = values(t.queryX());
        double[] y = values(t.queryY());
        double ss = 0;
        for (int j = 0; j < x.length; j++) {
            double r = y[j] - s.trueFunction().applyAsDouble(x[j]);
            ss += r * r;
        }
        double sd = Math.sqrt(ss / x.length);
        assertTrue(sd > 0.3 && sd < 0.7, "residual sd " + sd);
    }

    @Test
    void badSizesAndRangesAreRejectedWithTheirName() {
        assertMessage(() -> SinusoidTasks.maml(0, 5), "supportSize");
        assertMessage(() -> SinusoidTasks.maml(5, -1), "querySize");
        assertMessage(() -> SinusoidTasks.maml(5, 5).batch(0, 0, 0), "batch size");
        assertMessage(() -> SinusoidTasks.Config.maml().withNoiseStd(-1), "noiseStd");
        assertMessage(() -> SinusoidTasks.Config.maml().withPoolSize(-3), "poolSize");
        assertMessage(() -> new SinusoidTasks.Config(5, 1, 0, 1, 1, 1, -5, 5, 0, 0, 0),
                "amplitude");
        assertMessage(() -> new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.INT),
                "dataType");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable e, String word) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(word), ex.getMessage());
    }
}
