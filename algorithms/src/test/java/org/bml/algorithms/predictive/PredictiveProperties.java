package org.bml.algorithms.predictive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

/** Laws of the predictive distributions over random mixtures and probability tables. */
class PredictiveProperties {
  private static RegressionPredictive mixture(long seed, int k) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][][][] mu = new double[k][2][3][1];
    double[][] var = new double[k][2];
    for (int h = 0; h < k; h++) {
      for (int t = 0; t < 2; t++) {
        var[h][t] = Math.exp(4 * rng.nextDouble() - 3);
        for (int i = 0; i < 3; i++) {
          mu[h][t][i][0] = 10 * rng.nextGaussian();
        }
      }
    }
    return new RegressionPredictive(mu, var);
  }

  @Property(tries = 150, seed = "4242")
  void quantilesInvertTheMixtureCdfAndAreMonotone(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int k,
      @ForAll @DoubleRange(min = 0.001, max = 0.999) @Scale(4) double p) {
    RegressionPredictive m = mixture(seed, k);
    double[][][] q = m.quantile(p);
    double[][][] f = m.cdf(q);
    double[][][] higher = m.quantile(Math.min(0.9995, p + 0.0005));
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 3; i++) {
        assertEquals(p, f[t][i][0], 1e-9);
        assertTrue(higher[t][i][0] >= q[t][i][0]);
      }
    }
  }

  @Property(tries = 100, seed = "777")
  void nestedIntervalsAndTotalVarianceAtLeastTheMeanNoise(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int k,
      @ForAll @DoubleRange(min = 0.05, max = 0.9) double c) {
    RegressionPredictive m = mixture(seed, k);
    RegressionPredictive.Interval narrow = m.interval(c);
    RegressionPredictive.Interval wide = m.interval(Math.min(0.99, c + 0.05));
    double[][] noise = m.noiseVariances();
    double[][][] v = m.variance();
    double[][][] median = m.quantile(0.5);
    for (int t = 0; t < 2; t++) {
      double mean = 0;
      for (double[] row : noise) {
        mean += row[t] / k;
      }
      for (int i = 0; i < 3; i++) {
        assertTrue(wide.lower()[t][i][0] <= narrow.lower()[t][i][0] && narrow.upper()[t][i][0] <= wide.upper()[t][i][0]);
        assertTrue(narrow.contains(t, i, 0, median[t][i][0]));
        assertTrue(v[t][i][0] >= mean * (1 - 1e-12));
      }
    }
  }

  @Property(tries = 100, seed = "99")
  void eceIsAtMostMceAndBrierIsBounded(@ForAll long seed, @ForAll @IntRange(min = 2, max = 5) int classes,
      @ForAll @IntRange(min = 1, max = 30) int bins) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = 40;
    double[][] p = new double[n][classes];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int c = 0; c < classes; c++) {
        p[i][c] = -Math.log(1 - rng.nextDouble());
        s += p[i][c];
      }
      for (int c = 0; c < classes; c++) {
        p[i][c] /= s;
      }
      labels[i] = rng.nextInt(classes);
    }
    UncertaintyMetrics.Calibration cal = UncertaintyMetrics.calibration(p, labels, bins);
    assertTrue(cal.ece() >= 0 && cal.ece() <= cal.mce() + 1e-15 && cal.mce() <= 1);
    double brier = UncertaintyMetrics.brier(p, labels);
    assertTrue(brier >= 0 && brier <= 2);
  }
}
