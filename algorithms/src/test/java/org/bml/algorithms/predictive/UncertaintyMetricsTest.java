package org.bml.algorithms.predictive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.AlternativeHypothesis;
import org.apache.commons.math3.stat.inference.BinomialTest;
import org.junit.jupiter.api.Test;

/** The metrics on synthetic predictors whose values are known in closed form. */
class UncertaintyMetricsTest {
  private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);

  // ---------------------------------------------------------------- calibration

  @Test
  void perfectlyCalibratedBernoulliPredictorHasEceAndMceWithinTheirSamplingError() {
    // Binary predictor: confidence c ~ U[0.5, 1] for class 0, and the label is 0 with probability c.
    // Under perfect calibration each bin's acc − conf is a mean of n_b independent zero-mean terms
    // of variance ≤ 1/4; with a union bound over the 15 bins at total alpha = 1e-3 (seed 20240601),
    // |acc − conf| ≤ z·√(1/(4 n_b)) with z = Φ⁻¹(1 − alpha / 30).
    int n = 200_000;
    SplittableRandom rng = new SplittableRandom(20240601);
    double[][] p = new double[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      double c = 0.5 + 0.5 * rng.nextDouble();
      p[i] = new double[] {c, 1 - c};
      labels[i] = rng.nextDouble() < c ? 0 : 1;
    }
    UncertaintyMetrics.Calibration cal = UncertaintyMetrics.calibration(p, labels, 15);
    double z = STANDARD.inverseCumulativeProbability(1 - 1e-3 / 30);
    double eceBound = 0;
    double mceBound = 0;
    for (int b = 0; b < cal.bins(); b++) {
      if (cal.counts()[b] > 0) {
        double half = z * Math.sqrt(0.25 / cal.counts()[b]);
        eceBound += (double) cal.counts()[b] / n * half;
        mceBound = Math.max(mceBound, half);
      }
    }
    assertEquals(n, cal.points());
    assertEquals(0, cal.counts()[0] + cal.counts()[5], "confidences ≥ 0.5 never fall in the low bins");
    assertTrue(cal.ece() <= eceBound, "ECE " + cal.ece() + " > bound " + eceBound);
    assertTrue(cal.mce() <= mceBound, "MCE " + cal.mce() + " > bound " + mceBound);
    assertTrue(eceBound < 0.02, "the bound is informative: " + eceBound);
  }

  @Test
  void constantConfidenceNinetyPercentRightSixtyPercentHasEceAndMceZeroPointThree() {
    int n = 50;
    double[][] p = new double[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = new double[] {0.05, 0.9, 0.05};
      labels[i] = i < 30 ? 1 : (i % 2 == 0 ? 0 : 2);
    }
    UncertaintyMetrics.Calibration cal = UncertaintyMetrics.calibration(p, labels, 15);
    assertEquals(0.3, cal.ece(), 1e-12);
    assertEquals(0.3, cal.mce(), 1e-12);
    assertEquals(n, cal.counts()[13], "0.9 lies in (13/15, 14/15]");
    assertEquals(0.6, cal.accuracy()[13], 1e-15);
    assertEquals(0.9, cal.confidence()[13], 1e-15);
    assertEquals(0.3, UncertaintyMetrics.ece(p, labels, UncertaintyMetrics.DEFAULT_BINS), 1e-12);
    assertEquals(0.3, UncertaintyMetrics.mce(p, labels, UncertaintyMetrics.DEFAULT_BINS), 1e-12);
  }

  @Test
  void eceWeighsBinsByTheirCountsAndMceTakesTheWorstBin() {
    // 4 points at 0.95 all right (gap 0.05), 6 points at 0.55 with 3 right (gap 0.05 too), and
    // 10 points at 0.75 with 5 right (gap 0.25): ECE = (4·0.05 + 6·0.05 + 10·0.25)/20 = 0.15.
    double[] conf = new double[20];
    boolean[] right = new boolean[20];
    for (int i = 0; i < 4; i++) {
      conf[i] = 0.95;
      right[i] = true;
    }
    for (int i = 4; i < 10; i++) {
      conf[i] = 0.55;
      right[i] = i < 7;
    }
    for (int i = 10; i < 20; i++) {
      conf[i] = 0.75;
      right[i] = i < 15;
    }
    UncertaintyMetrics.Calibration cal = UncertaintyMetrics.calibration(conf, right, 15);
    assertEquals(0.15, cal.ece(), 1e-12);
    assertEquals(0.25, cal.mce(), 1e-12);
    // With one bin, ECE is |overall accuracy − mean confidence| = |12/20 − 0.735|.
    assertEquals(Math.abs(12 / 20.0 - (4 * 0.95 + 6 * 0.55 + 10 * 0.75) / 20),
        UncertaintyMetrics.calibration(conf, right, 1).ece(), 1e-12);
  }

  @Test
  void binsAreLeftOpenRightClosed() {
    assertEquals(0, UncertaintyMetrics.bin(0.0, 15));
    assertEquals(0, UncertaintyMetrics.bin(1.0 / 15, 15));
    assertEquals(1, UncertaintyMetrics.bin(1.0 / 15 + 1e-9, 15));
    assertEquals(14, UncertaintyMetrics.bin(1.0, 15));
    assertEquals(9, UncertaintyMetrics.bin(0.66, 15));
  }

  // ---------------------------------------------------------------- Brier, accuracy, MSE

  @Test
  void brierScoreIsTheMeanSquaredDistanceToTheOneHotLabel() {
    double[][] p = {{0.7, 0.2, 0.1}, {0.7, 0.2, 0.1}, {1.0, 0.0, 0.0}};
    int[] labels = {0, 2, 0};
    // (0.09 + 0.04 + 0.01) + (0.49 + 0.04 + 0.81) + 0 over 3 points.
    assertEquals((0.14 + 1.34) / 3, UncertaintyMetrics.brier(p, labels), 1e-12);
    assertEquals(2.0, UncertaintyMetrics.brier(new double[][] {{0, 1}}, new int[] {0}), 0);
  }

  @Test
  void accuracyAndMseByDefinition() {
    assertEquals(0.75, UncertaintyMetrics.accuracy(new int[] {0, 1, 2, 2}, new int[] {0, 1, 2, 0}), 0);
    assertEquals((1 + 4 + 0) / 3.0, UncertaintyMetrics.mse(new double[] {1, 2, 3}, new double[] {0, 4, 3}), 1e-15);
  }

  // ---------------------------------------------------------------- NLL, coverage

  @Test
  void gaussianPredictiveNllMatchesTheClosedForm() {
    double[][][][] mu = {{{{0.5}, {-1.0}, {2.0}}}};
    double sigma2 = 0.3;
    RegressionPredictive p = new RegressionPredictive(mu, new double[][] {{sigma2}});
    double[][][] y = {{{0.0}, {1.0}, {2.5}}};
    double expected = 0;
    for (int i = 0; i < 3; i++) {
      double d = y[0][i][0] - mu[0][0][i][0];
      expected += 0.5 * Math.log(2 * Math.PI * sigma2) + d * d / (2 * sigma2);
    }
    expected /= 3;
    assertEquals(expected, UncertaintyMetrics.nll(UncertaintyMetrics.flatten(p.logDensity(y))), 1e-13);
  }

  @Test
  void expectedNllOfTargetsDrawnFromTheGaussianIsItsEntropy() {
    // y ~ N(μ, σ²) ⇒ E[−log N(y; μ, σ²)] = ½ log(2πe σ²); the sample mean of n = 20,000 draws has
    // standard deviation 1/√(2n) (the variance of ½ z² is ½), checked at 5 sd (seed 7).
    int n = 20_000;
    double sigma2 = 2.5;
    SplittableRandom rng = new SplittableRandom(7);
    double[][][][] mu = new double[1][1][n][1];
    double[][][] y = new double[1][n][1];
    for (int i = 0; i < n; i++) {
      mu[0][0][i][0] = 4 * rng.nextDouble() - 2;
      y[0][i][0] = mu[0][0][i][0] + Math.sqrt(sigma2) * rng.nextGaussian();
    }
    double nll = UncertaintyMetrics.nll(UncertaintyMetrics.flatten(
        new RegressionPredictive(mu, new double[][] {{sigma2}}).logDensity(y)));
    assertEquals(0.5 * Math.log(2 * Math.PI * Math.E * sigma2), nll, 5 / Math.sqrt(2.0 * n));
  }

  @Test
  void centralIntervalsCoverTheirLevelOnDataDrawnFromTheMixture() {
    // A 3-component mixture with per-point means and per-task variances; targets drawn from it
    // (seed 11). The count inside the c-interval is Binomial(N, c): two-sided test at alpha = 1e-3.
    int tasks = 4;
    int points = 500;
    int k = 3;
    SplittableRandom rng = new SplittableRandom(11);
    double[][][][] mu = new double[k][tasks][points][1];
    double[][] var = new double[k][tasks];
    for (int h = 0; h < k; h++) {
      for (int t = 0; t < tasks; t++) {
        var[h][t] = 0.05 + rng.nextDouble();
        for (int i = 0; i < points; i++) {
          mu[h][t][i][0] = 3 * rng.nextGaussian();
        }
      }
    }
    double[][][] y = new double[tasks][points][1];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        int h = rng.nextInt(k);
        y[t][i][0] = mu[h][t][i][0] + Math.sqrt(var[h][t]) * rng.nextGaussian();
      }
    }
    RegressionPredictive p = new RegressionPredictive(mu, var);
    int total = tasks * points;
    for (double c : new double[] {0.5, 0.9, 0.95}) {
      double cov = UncertaintyMetrics.intervalCoverage(p, y, c);
      int inside = (int) Math.round(cov * total);
      double pValue = new BinomialTest().binomialTest(total, inside, c, AlternativeHypothesis.TWO_SIDED);
      assertTrue(pValue > 1e-3, "coverage " + cov + " of the " + c + "-interval: p-value " + pValue);
    }
  }

  @Test
  void coverageCountsClosedIntervals() {
    assertEquals(0.5, UncertaintyMetrics.coverage(new double[] {0, 0, 0, 0}, new double[] {1, 1, 1, 1},
        new double[] {0, 1, 1.5, -0.1}), 0);
  }

  // ---------------------------------------------------------------- mode coverage

  @Test
  void modeCoverageOnHandBuiltCases() {
    double[] x = new double[50];
    double[] sine = new double[50];
    double[] line = new double[50];
    for (int j = 0; j < 50; j++) {
      x[j] = -5 + 10.0 * j / 49;
      sine[j] = 2 * Math.sin(x[j]);
      line[j] = 0.5 * x[j] + 1;
    }
    double[][] modes = {sine, line};
    double[] nearSine = shift(sine, 0.01);
    double[] nearLine = shift(line, -0.1);
    double inf = Double.POSITIVE_INFINITY;
    assertEquals(0.5, UncertaintyMetrics.modeCoverage(modes, new double[][] {nearSine}, inf), "one hypothesis");
    assertEquals(1.0, UncertaintyMetrics.modeCoverage(modes, new double[][] {nearSine, nearLine}, inf));
    assertEquals(0.5, UncertaintyMetrics.modeCoverage(modes, new double[][] {nearLine, line, shift(line, 0.3)}, inf),
        "hypotheses all in one family");
    // Threshold: the line hypothesis is 0.1 from its mode (RMS).
    assertEquals(0.5, UncertaintyMetrics.modeCoverage(modes, new double[][] {nearSine, nearLine}, 0.05));
    assertEquals(1.0, UncertaintyMetrics.modeCoverage(modes, new double[][] {nearSine, nearLine}, 0.11));
    // Equidistant hypotheses cover nothing; far ones only under the threshold they fail.
    double[][] flat = {{0, 0, 0}, {2, 2, 2}};
    assertEquals(0.0, UncertaintyMetrics.modeCoverage(flat, new double[][] {{1, 1, 1}}, inf), "a tie");
    assertEquals(0.5, UncertaintyMetrics.modeCoverage(flat, new double[][] {{1, 1, 1}, {0.5, 0.5, 0.5}}, inf));
    assertEquals(0.0, UncertaintyMetrics.modeCoverage(flat, new double[][] {{0.5, 0.5, 0.5}}, 0.4));
    assertEquals(0.5, UncertaintyMetrics.modeCoverage(flat, new double[][] {{0, 0, 1}}, 1 / Math.sqrt(3)),
        "distance √(1/3) ≤ threshold, inclusive");
    // Three modes: one hypothesis covers at most a third; a single mode is covered by any hypothesis in range.
    double[][] three = {{0, 0}, {1, 1}, {5, 5}};
    assertEquals(1.0 / 3, UncertaintyMetrics.modeCoverage(three, new double[][] {{4, 4}}, inf), 1e-15);
    assertEquals(1.0, UncertaintyMetrics.modeCoverage(three, new double[][] {{-1, 0}, {0.9, 1.2}, {9, 9}}, inf));
    assertEquals(1.0, UncertaintyMetrics.modeCoverage(new double[][] {{0, 0}}, new double[][] {{3, 3}}, inf));
  }

  private static double[] shift(double[] a, double d) {
    double[] out = a.clone();
    for (int j = 0; j < out.length; j++) {
      out[j] += d;
    }
    return out;
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badInputIsRejectedWithAClearMessage() {
    int[] l2 = {0, 1};
    double[][] ok = {{0.5, 0.5}, {0.2, 0.8}};
    assertBad("sum to", () -> UncertaintyMetrics.brier(new double[][] {{0.5, 0.6}, {0.2, 0.8}}, l2));
    assertBad("NaN", () -> UncertaintyMetrics.ece(new double[][] {{Double.NaN, 0.5}, {0.2, 0.8}}, l2, 15));
    assertBad("[0, 1]", () -> UncertaintyMetrics.brier(new double[][] {{1.2, -0.2}, {0.2, 0.8}}, l2));
    assertBad("bins", () -> UncertaintyMetrics.ece(ok, l2, 0));
    assertBad("bins", () -> UncertaintyMetrics.calibration(new double[] {0.5}, new boolean[] {true}, -3));
    assertBad("same length", () -> UncertaintyMetrics.brier(ok, new int[] {0}));
    assertBad("label 1", () -> UncertaintyMetrics.brier(ok, new int[] {0, 2}));
    assertBad("2 classes", () -> UncertaintyMetrics.brier(new double[][] {{1.0}}, new int[] {0}));
    assertBad("row 1", () -> UncertaintyMetrics.brier(new double[][] {{0.5, 0.5}, {1.0}}, l2));
    assertBad("confidence 0", () -> UncertaintyMetrics.calibration(new double[] {1.5}, new boolean[] {true}, 15));
    assertBad("non-empty", () -> UncertaintyMetrics.nll(new double[0]));
    assertBad("is NaN", () -> UncertaintyMetrics.nll(new double[] {-1, Double.NaN}));
    assertBad("not finite", () -> UncertaintyMetrics.mse(new double[] {1, Double.NaN}, new double[] {0, 0}));
    assertBad("same length", () -> UncertaintyMetrics.mse(new double[] {1}, new double[] {0, 0}));
    assertBad("above upper", () -> UncertaintyMetrics.coverage(new double[] {1}, new double[] {0}, new double[] {0}));
    RegressionPredictive p = new RegressionPredictive(new double[][][][] {{{{0}}}}, new double[][] {{1}});
    double[][][] y = {{{0}}};
    assertBad("(0, 1)", () -> UncertaintyMetrics.intervalCoverage(p, y, 1.0));
    assertBad("(0, 1)", () -> UncertaintyMetrics.intervalCoverage(p, y, 0));
    assertBad("(0, 1)", () -> UncertaintyMetrics.intervalCoverage(p, y, Double.NaN));
    assertBad("targets", () -> UncertaintyMetrics.intervalCoverage(p, new double[][][] {{{0}, {1}}}, 0.5));
    assertBad("threshold", () -> UncertaintyMetrics.modeCoverage(new double[][] {{0}}, new double[][] {{0}}, 0));
    assertBad("threshold", () -> UncertaintyMetrics.modeCoverage(new double[][] {{0}}, new double[][] {{0}}, Double.NaN));
    assertBad("grid values", () -> UncertaintyMetrics.modeCoverage(new double[][] {{0, 1}}, new double[][] {{0}}, 1));
    assertBad("at least one hypothesis",
        () -> UncertaintyMetrics.modeCoverage(new double[][] {{0}}, new double[0][], 1));
    assertBad("not finite",
        () -> UncertaintyMetrics.modeCoverage(new double[][] {{0}}, new double[][] {{Double.NaN}}, 1));
  }

  static void assertBad(String fragment, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
  }
}
