package org.bml.priors;

import static org.bml.priors.Fixtures.flat;
import static org.bml.priors.Fixtures.flatTask;
import static org.bml.priors.Fixtures.layerShapes;
import static org.bml.priors.Fixtures.uniform;
import static org.bml.priors.Fixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.MultivariateNormalDistribution;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** N(μ, Q) over a flattened parameter collection, against commons-math's multivariate normal. */
class FullCovarianceGaussianTest {

  // A random SPD matrix A Aᵀ + 0.5 I.
  static RealMatrix randomSpd(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] a = new double[n][n];
    for (double[] row : a) {
      for (int j = 0; j < n; j++) {
        row[j] = rng.nextDouble(-1, 1);
      }
    }
    RealMatrix m = MatrixUtils.createRealMatrix(a);
    return m.multiplyTransposed(m).add(MatrixUtils.createRealIdentityMatrix(n).scalarMultiply(0.5));
  }

  @Test
  void logDensityMatchesCommonsMathWithAndWithoutTaskAxis() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 1, false);
    RealMatrix q = randomSpd(9, 2);
    FullCovarianceGaussian prior = new FullCovarianceGaussian(mu, q);
    MultivariateNormalDistribution oracle = new MultivariateNormalDistribution(flat(mu), q.getData());
    Params phi = uniform(layerShapes(), 0, -2, 2, 3, false);
    double expected = Math.log(oracle.density(flat(phi)));
    assertEquals(expected, prior.logDensity(phi).item(), 1e-10 * Math.abs(expected));
    Params tasks = uniform(layerShapes(), 3, -2, 2, 4, false);
    Tensor lp = prior.logDensity(tasks);
    assertArrayEquals(new long[] {3}, lp.shape());
    for (int t = 0; t < 3; t++) {
      double e = Math.log(oracle.density(flatTask(tasks, t)));
      assertEquals(e, values(lp)[t], 1e-10 * Math.abs(e), "task " + t);
    }
  }

  @Test
  void logDensityGradientMatchesFiniteDifferencesInPhiAndMean() {
    RealMatrix q = randomSpd(9, 5);
    List<INDArray> at = List.of(GradientCheck.uniform(1, -1, 1, 2, 3), GradientCheck.uniform(2, -1, 1, 3),
        GradientCheck.uniform(3, -1, 1, 2, 3), GradientCheck.uniform(4, -1, 1, 3));
    double error = GradientCheck.gradientError(v -> {
      Params phi = Params.of(List.of("w", "b"), v.subList(0, 2));
      Params mu = Params.of(List.of("w", "b"), v.subList(2, 4));
      return new FullCovarianceGaussian(mu, q).logDensity(phi);
    }, at, 1e-6);
    assertTrue(error <= 1e-8, "relative gradient error " + error);
  }

  @Test
  void samplesHaveTheCovariance() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 6, false);
    RealMatrix q = randomSpd(9, 7);
    FullCovarianceGaussian prior = new FullCovarianceGaussian(mu, q);
    int n = 40_000;
    Params draws = prior.sample(n, 8);
    double[] m = flat(mu);
    double[][] x = Fixtures.perTask(draws);
    for (int i = 0; i < 9; i++) {
      for (int j = 0; j < 9; j++) {
        double c = 0;
        for (int t = 0; t < n; t++) {
          c += (x[t][i] - m[i]) * (x[t][j] - m[j]) / n;
        }
        // SE of a sample covariance: sqrt((Q_ii Q_jj + Q_ij²)/n); 5 of them.
        double se = Math.sqrt((q.getEntry(i, i) * q.getEntry(j, j) + q.getEntry(i, j) * q.getEntry(i, j)) / n);
        assertEquals(q.getEntry(i, j), c, 5 * se, "covariance (" + i + ", " + j + ")");
      }
    }
  }

  @Test
  void klWithDiagonalCovariancesEqualsTheFactorisedClosedForm() {
    Params m1 = uniform(layerShapes(), 0, -1, 1, 9, false);
    Params m2 = uniform(layerShapes(), 0, -1, 1, 10, false);
    Params l1 = uniform(layerShapes(), 0, -1, 1, 11, false);
    Params l2 = uniform(layerShapes(), 0, -1, 1, 12, false);
    double[] v1 = flat(l1.map(Ops::exp));
    double[] v2 = flat(l2.map(Ops::exp));
    FullCovarianceGaussian f1 = new FullCovarianceGaussian(m1, MatrixUtils.createRealDiagonalMatrix(v1));
    FullCovarianceGaussian f2 = new FullCovarianceGaussian(m2, MatrixUtils.createRealDiagonalMatrix(v2));
    double expected = new DiagonalGaussian(m1, l1).klDivergence(new DiagonalGaussian(m2, l2)).item();
    assertEquals(expected, f1.klDivergenceTo(f2).orElseThrow().item(), 1e-12 * expected);
    assertTrue(f1.klDivergenceTo(StandardNormal.like(m1)).isEmpty());
  }

  @Test
  void badCovariancesAreRejected() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 13, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FullCovarianceGaussian(mu, randomSpd(8, 1)));
    assertTrue(e.getMessage().contains("8x8") && e.getMessage().contains("9 elements"), e.getMessage());
    RealMatrix indefinite = randomSpd(9, 2).subtract(MatrixUtils.createRealIdentityMatrix(9).scalarMultiply(100));
    e = assertThrows(IllegalArgumentException.class, () -> new FullCovarianceGaussian(mu, indefinite));
    assertTrue(e.getMessage().contains("positive definite"), e.getMessage());
    RealMatrix asymmetric = randomSpd(9, 3);
    asymmetric.addToEntry(0, 1, 0.1);
    e = assertThrows(IllegalArgumentException.class, () -> new FullCovarianceGaussian(mu, asymmetric));
    assertTrue(e.getMessage().contains("symmetric"), e.getMessage());
    RealMatrix nan = randomSpd(9, 4);
    nan.setEntry(2, 2, Double.NaN);
    e = assertThrows(IllegalArgumentException.class, () -> new FullCovarianceGaussian(mu, nan));
    assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("(2, 2)"), e.getMessage());
  }
}
