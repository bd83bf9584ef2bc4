package org.bml.datasets.synthetic;

import static org.bml.datasets.TaskAssert.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.bml.datasets.Task;
import org.bml.datasets.TaskAssert;
import org.bml.datasets.TaskBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class GpFunctionTasksProperties {
    private static final GpFunctionTasks GP = new GpFunctionTasks(4, 6, 0.4, 1.0, 0.02, DataType.DOUBLE);

    @Property(tries = 30)
    void shapesRangeAndTruthAtTheDrawnPoints(@ForAll long seed, @ForAll long i) {
        Task t = GP.task(seed, i);
        assertArrayEquals(new long[] {4, 1}, t.supportX().shape());
        assertArrayEquals(new long[] {4, 1}, t.supportY().shape());
        assertArrayEquals(new long[] {6, 1}, t.queryX().shape());
        assertArrayEquals(new long[] {6, 1}, t.queryY().shape());
        GpFunctionInfo info = (GpFunctionInfo) t.info();
        double[] x = concat(values(t.supportX()), values(t.queryX()));
        double[] y = concat(values(t.supportY()), values(t.queryY()));
        assertArrayEquals(x, info.inputs());
        double diag = 0.02 * 0.02 + GpFunctionTasks.JITTER;
        var m = info.trueFunction();
        for (int k = 0; k < x.length; k++) {
            assertTrue(x[k] >= -2 && x[k] <= 2, "x = " + x[k]);
            // The posterior mean at a drawn point is y − (s² + jitter) α, by (K + s² I) α = y.
            assertEquals(y[k] - diag * info.weights()[k], m.applyAsDouble(x[k]), 1e-9 * (1 + Math.abs(y[k])));
        }
    }

    @Property(tries = 20)
    void determinedBySeedAndIndex(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int n) throws Exception {
        TaskBatch b = GP.batch(seed, 40, n);
        TaskAssert.assertBatchMatchesTasks(GP, seed, 40, b);
        Task viaThread = TaskAssert.drawOnThreads(GP, seed, new long[] {41, 40}).get(1);
        TaskAssert.assertSameTask(GP.task(seed, 40), viaThread);
        assertFalse(Arrays.equals(values(GP.task(seed, 40).supportY()), values(GP.task(seed + 1, 40).supportY())));
    }

    /**
     * The sample second moment of target pairs matches the kernel: pairs binned by |x − x'| (16
     * bins of 0.25), per task the mean of y y' − C(x, x') in each bin, a two-sided t-test over the
     * tasks per bin, Bonferroni over the bins, α = 0.01, seed 11, 3000 tasks of 10 points with
     * ℓ = 0.5, σ² = 1.5 (not the defaults, so the options are seen to act). The same statistic
     * against the kernel with ℓ = 0.35 must reject, so the test can fail.
     */
    @Test
    void sampleCovarianceMatchesTheKernel() {
        GpFunctionTasks d = new GpFunctionTasks(5, 5, 0.5, 1.5, 0.1, DataType.DOUBLE);
        int tasks = 3000;
        TaskBatch b = d.batch(11, 0, tasks);
        double alpha = 0.01;
        double right = minBinP(d, b, 0.5, 1.5, 0.1);
        double wrong = minBinP(d, b, 0.35, 1.5, 0.1);
        assertTrue(right * 16 > alpha, "kernel rejected: min p = " + right);
        assertTrue(wrong * 16 < alpha, "wrong lengthscale not rejected: min p = " + wrong);
    }

    private static double minBinP(GpFunctionTasks d, TaskBatch b, double ell, double s2, double noise) {
        int bins = 16;
        int tasks = b.info().size();
        double[] sum = new double[bins];
        double[] sumSq = new double[bins];
        int[] count = new int[bins];
        double[] sy = b.supportY().dup().data().asDouble();
        double[] qy = b.queryY().dup().data().asDouble();
        for (int t = 0; t < tasks; t++) {
            GpFunctionInfo info = (GpFunctionInfo) b.info().get(t);
            double[] x = info.inputs();
            double[] y = concat(Arrays.copyOfRange(sy, t * 5, t * 5 + 5), Arrays.copyOfRange(qy, t * 5, t * 5 + 5));
            double[] s = new double[bins];
            int[] c = new int[bins];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j <= i; j++) {
                    int bin = Math.min(bins - 1, (int) (Math.abs(x[i] - x[j]) / 0.25));
                    double k = GpFunctionTasks.rbf(x[i], x[j], s2, ell)
                            + (i == j ? noise * noise + GpFunctionTasks.JITTER * s2 : 0);
                    s[bin] += y[i] * y[j] - k;
                    c[bin]++;
                }
            }
            for (int bin = 0; bin < bins; bin++) {
                if (c[bin] > 0) {
                    double mean = s[bin] / c[bin];
                    sum[bin] += mean;
                    sumSq[bin] += mean * mean;
                    count[bin]++;
                }
            }
        }
        double minP = 1;
        for (int bin = 0; bin < bins; bin++) {
            int n = count[bin];
            assertTrue(n > 30, "bin " + bin + " has only " + n + " tasks");
            double mean = sum[bin] / n;
            double var = (sumSq[bin] - n * mean * mean) / (n - 1);
            double tStat = mean / Math.sqrt(var / n);
            double p = 2 * (1 - new TDistribution(n - 1).cumulativeProbability(Math.abs(tStat)));
            minP = Math.min(minP, p);
        }
        return minP;
    }

    /**
     * Whitened by an independent Cholesky (Commons Math, not the Hipparchus one that drew them),
     * the targets are N(0, I): Σ zᵀz over 2000 tasks of 10 points is χ²(20000), two-sided α = 0.01,
     * seed 5.
     */
    @Test
    void whitenedTargetsAreStandardNormal() {
        GpFunctionTasks d = new GpFunctionTasks(6, 4, 0.3, 0.7, 0.05, DataType.DOUBLE);
        int tasks = 2000;
        TaskBatch b = d.batch(5, 0, tasks);
        double q = 0;
        double[] sy = b.supportY().dup().data().asDouble();
        double[] qy = b.queryY().dup().data().asDouble();
        for (int t = 0; t < tasks; t++) {
            GpFunctionInfo info = (GpFunctionInfo) b.info().get(t);
            double[] y = concat(Arrays.copyOfRange(sy, t * 6, t * 6 + 6), Arrays.copyOfRange(qy, t * 4, t * 4 + 4));
            double[][] c = d.covariance(info.inputs()).getData();
            var l = new CholeskyDecomposition(new Array2DRowRealMatrix(c), 1e-12, 0.0).getL();
            double[] z = new double[y.length];
            for (int i = 0; i < y.length; i++) { // forward substitution L z = y
                double s = y[i];
                for (int j = 0; j < i; j++) {
                    s -= l.getEntry(i, j) * z[j];
                }
                z[i] = s / l.getEntry(i, i);
                q += z[i] * z[i];
            }
        }
        double cdf = new ChiSquaredDistribution(tasks * 10).cumulativeProbability(q);
        assertTrue(cdf > 0.005 && cdf < 0.995, "Σ z² = " + q + ", cdf " + cdf);
    }

    /**
     * The posterior predictive is calibrated on the distribution's own tasks: the query residuals
     * standardised by it are N(0, 1), so over 1000 tasks of 5 + 5 points Σ z² is χ²(5000) (two-sided
     * α = 0.01, seed 21), and its mean squared error is below 0.8 of the prior variance σ² + s²
     * (conditioning on the support helps). A wrong kernel (ℓ halved) must fail the same test.
     */
    @Test
    void posteriorPredictiveIsCalibrated() {
        GpFunctionTasks d = new GpFunctionTasks(5, 5, 0.4, 1.0, 0.05, DataType.DOUBLE);
        GpFunctionTasks wrong = new GpFunctionTasks(5, 5, 0.2, 1.0, 0.05, DataType.DOUBLE);
        int tasks = 1000;
        TaskBatch b = d.batch(21, 0, tasks);
        double[] sx = b.supportX().dup().data().asDouble();
        double[] sy = b.supportY().dup().data().asDouble();
        double[] qx = b.queryX().dup().data().asDouble();
        double[] qy = b.queryY().dup().data().asDouble();
        double z2 = 0;
        double z2wrong = 0;
        double mse = 0;
        for (int t = 0; t < tasks; t++) {
            double[] xs = Arrays.copyOfRange(sx, t * 5, t * 5 + 5);
            double[] ys = Arrays.copyOfRange(sy, t * 5, t * 5 + 5);
            double[] xq = Arrays.copyOfRange(qx, t * 5, t * 5 + 5);
            double[][] p = d.posteriorPredictive(xs, ys, xq);
            double[][] pw = wrong.posteriorPredictive(xs, ys, xq);
            for (int i = 0; i < 5; i++) {
                double e = qy[t * 5 + i] - p[0][i];
                z2 += e * e / p[1][i];
                mse += e * e / (5.0 * tasks);
                double ew = qy[t * 5 + i] - pw[0][i];
                z2wrong += ew * ew / pw[1][i];
            }
        }
        ChiSquaredDistribution chi = new ChiSquaredDistribution(5 * tasks);
        double cdf = chi.cumulativeProbability(z2);
        assertTrue(cdf > 0.005 && cdf < 0.995, "Σ z² = " + z2 + ", cdf " + cdf);
        double cdfWrong = chi.cumulativeProbability(z2wrong);
        assertFalse(cdfWrong > 0.005 && cdfWrong < 0.995, "wrong kernel passed: Σ z² = " + z2wrong);
        assertTrue(mse < 0.8 * (1.0 + 0.05 * 0.05), "posterior MSE " + mse + " not below the prior's variance");
    }

    @Test
    void badInputIsRefused() {
        SinusoidTasksTest.assertMessage(() -> new GpFunctionTasks(5, 5, 0, 1, 0.02, DataType.FLOAT), "lengthscale");
        SinusoidTasksTest.assertMessage(() -> new GpFunctionTasks(5, 5, 0.4, -1, 0.02, DataType.FLOAT), "variance");
        SinusoidTasksTest.assertMessage(() -> new GpFunctionTasks(5, 5, 0.4, Double.NaN, 0.02, DataType.FLOAT),
                "variance");
        SinusoidTasksTest.assertMessage(() -> new GpFunctionTasks(5, 5, 0.4, 1, -0.1, DataType.FLOAT), "noiseStd");
        SinusoidTasksTest.assertMessage(() -> new GpFunctionTasks(0, 5), "supportSize");
        assertEquals(0.02, ((GpFunctionInfo) new GpFunctionTasks(5, 5).task(1, 1).info()).noiseStd());
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
