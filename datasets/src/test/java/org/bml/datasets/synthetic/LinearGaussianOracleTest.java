package org.bml.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.math3.distribution.MultivariateNormalDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.bml.datasets.Task;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Checks the Hipparchus oracle against independent computations in commons-math3: the
 * marginal as a multivariate normal density, the posterior by the gain (Kalman) form, and the
 * predictive through the ratio of marginals p(y*|D) = p(D, y*) / p(D).
 */
class LinearGaussianOracleTest {

    /** A random problem: theta, SPD Sigma = A A' + 0.1 I, X, y. */
    record Problem(double[] theta, double[][] sigma, double noise, double[][] x, double[] y) {
        static Problem random(long seed, int d, int n) {
            Random r = new Random(seed);
            double[] theta = new double[d];
            double[][] a = new double[d][d];
            for (int i = 0; i < d; i++) {
                theta[i] = r.nextGaussian();
                for (int j = 0; j < d; j++) {
                    a[i][j] = r.nextGaussian() * 0.7;
                }
            }
            RealMatrix am = new Array2DRowRealMatrix(a);
            RealMatrix s = am.multiply(am.transpose())
                    .add(MatrixUtils.createRealIdentityMatrix(d).scalarMultiply(0.1));
            double[][] x = new double[n][d];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    x[i][j] = r.nextGaussian();
                }
                y[i] = r.nextGaussian() * 2;
            }
            return new Problem(theta, s.getData(), 0.2 + r.nextDouble(), x, y);
        }

        LinearGaussianOracle oracle() {
            return new LinearGaussianOracle(theta, sigma, noise);
        }
    }

    @Property(tries = 40)
    void logMarginalIsTheMultivariateNormalDensity(@ForAll long seed,
                                                   @ForAll @IntRange(min = 1, max = 5) int d,
                                                   @ForAll @IntRange(min = 1, max = 12) int n) {
        Problem p = Problem.random(seed, d, n);
        RealMatrix x = new Array2DRowRealMatrix(p.x);
        RealMatrix cov = x.multiply(new Array2DRowRealMatrix(p.sigma)).multiply(x.transpose())
                .add(MatrixUtils.createRealIdentityMatrix(n).scalarMultiply(p.noise * p.noise));
        cov = cov.add(cov.transpose()).scalarMultiply(0.5);
        double[] mean = x.operate(p.theta);
        double expected = Math.log(new MultivariateNormalDistribution(mean, cov.getData())
                .density(p.y));
        double actual = p.oracle().logMarginalLikelihood(p.x, p.y);
        assertEquals(expected, actual, 1e-8 * Math.max(1, Math.abs(expected)));
    }

    @Property(tries = 40)
    void posteriorMatchesTheGainForm(@ForAll long seed,
                                     @ForAll @IntRange(min = 1, max = 5) int d,
                                     @ForAll @IntRange(min = 1, max = 12) int n) {
        Problem p = Problem.random(seed, d, n);
        RealMatrix x = new Array2DRowRealMatrix(p.x);
        RealMatrix s = new Array2DRowRealMatrix(p.sigma);
        RealMatrix c = x.multiply(s).multiply(x.transpose())
                .add(MatrixUtils.createRealIdentityMatrix(n).scalarMultiply(p.noise * p.noise));
        RealMatrix gain = s.multiply(x.transpose())
                .multiply(new LUDecomposition(c).getSolver().getInverse());
        RealVector resid = new ArrayRealVector(p.y).subtract(x.operate(new ArrayRealVector(p.theta)));
        RealVector mean = new ArrayRealVector(p.theta).add(gain.operate(resid));
        RealMatrix cov = s.subtract(gain.multiply(x).multiply(s));

        LinearGaussianOracle.Posterior post = p.oracle().posterior(p.x, p.y);
        for (int i = 0; i < d; i++) {
            assertEquals(mean.getEntry(i), post.mean()[i], 1e-8 * (1 + Math.abs(mean.getEntry(i))));
            for (int j = 0; j < d; j++) {
                assertEquals(cov.getEntry(i, j), post.covariance()[i][j], 1e-8);
                assertEquals(post.covariance()[i][j], post.covariance()[j][i], 0.0);
            }
        }
    }

    @Property(tries = 40)
    void predictiveIsTheRatioOfMarginals(@ForAll long seed,
                                         @ForAll @IntRange(min = 1, max = 4) int d,
                                         @ForAll @IntRange(min = 1, max = 10) int n) {
        Problem p = Problem.random(seed, d, n + 1);
        double[][] xd = java.util.Arrays.copyOf(p.x, n);
        double[] yd = java.util.Arrays.copyOf(p.y, n);
        double[] xs = p.x[n];
        double ys = p.y[n];
        LinearGaussianOracle o = p.oracle();
        LinearGaussianOracle.Predictive pred = o.posterior(xd, yd).predict(xs);
        double logPred = new NormalDistribution(pred.mean(), Math.sqrt(pred.variance()))
                .logDensity(ys);
        double ratio = o.logMarginalLikelihood(p.x, p.y) - o.logMarginalLikelihood(xd, yd);
        assertEquals(ratio, logPred, 1e-7 * Math.max(1, Math.abs(ratio)));
        assertEquals(pred.variance(), pred.functionVariance() + p.noise * p.noise, 1e-12);
        assertTrue(pred.functionVariance() >= 0);
    }

    @Test
    void indArrayOverloadsAgreeWithArrays() {
        LinearGaussianTasks tasks = new LinearGaussianTasks(new double[] {1, -1},
                new double[][] {{1, 0.3}, {0.3, 0.5}}, 0.4, 6, 4, DataType.DOUBLE);
        Task t = tasks.task(3, 9);
        LinearGaussianOracle o = tasks.oracle();
        double[][] x = t.supportX().toDoubleMatrix();
        double[] y = t.supportY().dup().reshape(6).toDoubleVector();
        assertEquals(o.logMarginalLikelihood(x, y),
                o.logMarginalLikelihood(t.supportX(), t.supportY()), 0.0);
        assertEquals(o.posterior(x, y).mean()[1],
                o.posterior(t.supportX(), t.supportY()).mean()[1], 0.0);
    }

    @Test
    void sampledWeightsFollowThePrior() {
        // alpha = 1e-3 (|z| < 3.29), seed 5: the mean of 4000 sampled phi matches theta.
        double[] theta = {2, -1, 0.5};
        double[][] sigma = {{1, 0.5, 0}, {0.5, 2, 0.3}, {0, 0.3, 0.5}};
        LinearGaussianTasks tasks = new LinearGaussianTasks(theta, sigma, 0.1, 2, 2,
                DataType.DOUBLE);
        int n = 4000;
        double[] sum = new double[3];
        for (var info : tasks.batch(5, 0, n).info()) {
            double[] phi = ((LinearGaussianInfo) info).phi();
            for (int i = 0; i < 3; i++) {
                sum[i] += phi[i];
            }
        }
        for (int i = 0; i < 3; i++) {
            double z = (sum[i] / n - theta[i]) / Math.sqrt(sigma[i][i] / n);
            assertTrue(Math.abs(z) < 3.29, "component " + i + " z = " + z);
        }
    }

    @Test
    void taskTargetsAreTheLinearFunctionPlusSmallNoise() {
        LinearGaussianTasks tasks = new LinearGaussianTasks(new double[] {0, 0},
                new double[][] {{1, 0}, {0, 1}}, 1e-9, 5, 5, DataType.DOUBLE);
        Task t = tasks.task(8, 1);
        LinearGaussianInfo info = (LinearGaussianInfo) t.info();
        double[][] x = t.queryX().toDoubleMatrix();
        double[] y = t.queryY().dup().reshape(5).toDoubleVector();
        for (int i = 0; i < 5; i++) {
            assertEquals(info.mean(x[i]), y[i], 1e-7);
        }
        assertEquals(info, tasks.task(8, 1).info());
    }

    @Test
    void invalidHierarchiesAreRejected() {
        SinusoidTasksTest.assertMessage(() -> new LinearGaussianOracle(new double[] {0, 0},
                new double[][] {{1, 2}, {2, 1}}, 1), "not symmetric positive definite");
        SinusoidTasksTest.assertMessage(() -> new LinearGaussianOracle(new double[] {0},
                new double[][] {{1}}, 0), "noiseStd");
        SinusoidTasksTest.assertMessage(() -> new LinearGaussianOracle(new double[] {0, 0},
                new double[][] {{1}}, 1), "sigma");
        LinearGaussianOracle o = new LinearGaussianOracle(new double[] {0},
                new double[][] {{1}}, 1);
        SinusoidTasksTest.assertMessage(() -> o.posterior(new double[][] {{1}, {2}},
                new double[] {1}), "rows");
        SinusoidTasksTest.assertMessage(() -> o.logMarginalLikelihood(new double[][] {{1, 2}},
                new double[] {1}), "length");
        assertThrows(IllegalArgumentException.class,
                () -> o.posterior(new double[][] {{1}}, new double[] {1}).predict(new double[2]));
    }
}
