package org.bml.algorithms.predictive;

import static org.bml.algorithms.predictive.UncertaintyMetricsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

/** Mean, variance, quantiles and densities of the Gaussian mixture, against closed forms. */
class RegressionPredictiveTest {
  // Two tasks, two points, one output; three hypotheses with per-task noise.
  private static final double[][][][] MU = {
      {{{0.0}, {1.0}}, {{2.0}, {-1.0}}},
      {{{1.0}, {1.5}}, {{2.0}, {-3.0}}},
      {{{-4.0}, {1.0}}, {{2.5}, {0.0}}}};
  private static final double[][] VAR = {{0.5, 1.0}, {0.25, 2.0}, {1.0, 0.1}};

  @Test
  void meanAndVarianceFollowTheLawOfTotalVariance() {
    RegressionPredictive p = new RegressionPredictive(MU, VAR);
    double[][][] m = p.mean();
    double[][][] v = p.variance();
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 2; i++) {
        double mean = (MU[0][t][i][0] + MU[1][t][i][0] + MU[2][t][i][0]) / 3;
        double second = 0;
        for (int h = 0; h < 3; h++) {
          second += (VAR[h][t] + MU[h][t][i][0] * MU[h][t][i][0]) / 3;
        }
        assertEquals(mean, m[t][i][0], 1e-14);
        assertEquals(second - mean * mean, v[t][i][0], 1e-12, "E[Y²] − E[Y]²");
      }
    }
    assertEquals(3, p.hypotheses());
    assertEquals(MU[2][1][0][0], p.predictions()[2][1][0][0]);
  }

  @Test
  void oneHypothesisIsTheGaussianItself() {
    double[][][][] mu = {{{{0.7}, {-2.0}}}};
    RegressionPredictive p = new RegressionPredictive(mu, new double[][] {{0.36}});
    NormalDistribution a = new NormalDistribution(null, 0.7, 0.6);
    NormalDistribution b = new NormalDistribution(null, -2.0, 0.6);
    for (double q : new double[] {1e-6, 0.025, 0.3, 0.5, 0.975}) {
      double[][][] x = p.quantile(q);
      assertEquals(a.inverseCumulativeProbability(q), x[0][0][0], 1e-12);
      assertEquals(b.inverseCumulativeProbability(q), x[0][1][0], 1e-12);
    }
    double[][][] y = {{{1.1}, {-2.5}}};
    assertEquals(a.logDensity(1.1), p.logDensity(y)[0][0][0], 1e-13);
    assertEquals(b.cumulativeProbability(-2.5), p.cdf(y)[0][1][0], 1e-15);
    RegressionPredictive.Interval iv = p.interval(0.95);
    assertEquals(0.7 - 1.959963984540054 * 0.6, iv.lower()[0][0][0], 1e-12);
    assertEquals(0.7 + 1.959963984540054 * 0.6, iv.upper()[0][0][0], 1e-12);
    assertTrue(iv.contains(0, 0, 0, 0.7));
  }

  @Test
  void mixtureQuantilesInvertTheMixtureCdf() {
    RegressionPredictive p = new RegressionPredictive(MU, VAR);
    for (double q : new double[] {1e-4, 0.05, 0.25, 0.5, 0.8, 0.999}) {
      double[][][] x = p.quantile(q);
      double[][][] f = p.cdf(x);
      for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 2; i++) {
          assertEquals(q, f[t][i][0], 1e-10, "F(q_" + q + ") at task " + t + ", point " + i);
        }
      }
    }
    // Hand-computed mixture CDF and density at a point.
    double y = 0.3;
    double cdf = 0;
    double pdf = 0;
    for (int h = 0; h < 3; h++) {
      NormalDistribution n = new NormalDistribution(null, MU[h][0][0][0], Math.sqrt(VAR[h][0]));
      cdf += n.cumulativeProbability(y) / 3;
      pdf += n.density(y) / 3;
    }
    double[][][] ys = {{{y}, {0}}, {{0}, {0}}};
    assertEquals(cdf, p.cdf(ys)[0][0][0], 1e-15);
    assertEquals(Math.log(pdf), p.logDensity(ys)[0][0][0], 1e-13);
  }

  @Test
  void symmetricMixtureHasItsCentreAsMedianAndSymmetricIntervals() {
    double[][][][] mu = {{{{-3.0}}}, {{{5.0}}}};
    RegressionPredictive p = new RegressionPredictive(mu, new double[][] {{1.0}, {1.0}});
    assertEquals(1.0, p.quantile(0.5)[0][0][0], 1e-10);
    RegressionPredictive.Interval iv = p.interval(0.9);
    assertEquals(1.0 - iv.lower()[0][0][0], iv.upper()[0][0][0] - 1.0, 1e-9);
    // Far-apart modes: the 0.5-interval is wider than either component's (it spans both).
    assertTrue(iv.upper()[0][0][0] - iv.lower()[0][0][0] > 8);
  }

  @Test
  void logDensityStaysFiniteFarInTheTails() {
    RegressionPredictive p = new RegressionPredictive(new double[][][][] {{{{0.0}}}, {{{1.0}}}},
        new double[][] {{1e-4}, {1e-4}});
    double ld = p.logDensity(new double[][][] {{{100.0}}})[0][0][0];
    assertTrue(Double.isFinite(ld), "log density " + ld);
    // log N(100; 1, 1e-4) − log 2 dominates.
    assertEquals(-0.5 * (Math.log(2 * Math.PI * 1e-4) + 99 * 99 / 1e-4) - Math.log(2), ld, 1e-6);
  }

  @Test
  void badInputIsRejected() {
    assertBad("at least one hypothesis", () -> new RegressionPredictive(new double[0][][][], new double[0][]));
    assertBad("not finite", () -> new RegressionPredictive(new double[][][][] {{{{Double.NaN}}}}, new double[][] {{1}}));
    assertBad("> 0", () -> new RegressionPredictive(new double[][][][] {{{{0}}}}, new double[][] {{0}}));
    assertBad("> 0", () -> new RegressionPredictive(new double[][][][] {{{{0}}}}, new double[][] {{Double.NaN}}));
    assertBad("[k = 2]", () -> new RegressionPredictive(new double[][][][] {{{{0}}}, {{{0}}}}, new double[][] {{1}}));
    assertBad("points", () -> new RegressionPredictive(new double[][][][] {{{{0}}}, {{{0}, {1}}}},
        new double[][] {{1}, {1}}));
    RegressionPredictive p = new RegressionPredictive(MU, VAR);
    assertBad("(0, 1)", () -> p.quantile(0));
    assertBad("(0, 1)", () -> p.quantile(1));
    assertBad("(0, 1)", () -> p.interval(-0.5));
    assertBad("not finite", () -> p.logDensity(new double[][][] {{{0}, {Double.NaN}}, {{0}, {0}}}));
    assertBad("targets", () -> p.cdf(new double[][][] {{{0}, {0}}}));
  }
}
