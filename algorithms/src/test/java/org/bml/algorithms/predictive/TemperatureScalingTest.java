package org.bml.algorithms.predictive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Temperature scaling on synthetic logits whose calibrated temperature is known by construction. */
class TemperatureScalingTest {
  private static final int CLASSES = 5;

  /** Points with true logits z (labels drawn from softmax(z)) and reported logits {@code sharpen}·z. */
  private record Synthetic(double[][][] logits, int[] labels) {}

  private static Synthetic synthetic(long seed, int n, double sharpen) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][][] logits = new double[1][n][CLASSES];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      double[] z = new double[CLASSES];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        z[c] = 2 * gaussian(rng);
        max = Math.max(max, z[c]);
      }
      double s = 0;
      double[] p = new double[CLASSES];
      for (int c = 0; c < CLASSES; c++) {
        p[c] = Math.exp(z[c] - max);
        s += p[c];
      }
      double u = rng.nextDouble() * s;
      int y = CLASSES - 1;
      for (int c = 0; c < CLASSES; c++) {
        u -= p[c];
        if (u < 0) {
          y = c;
          break;
        }
      }
      labels[i] = y;
      for (int c = 0; c < CLASSES; c++) {
        logits[0][i][c] = sharpen * z[c];
      }
    }
    return new Synthetic(logits, labels);
  }

  private static double gaussian(SplittableRandom rng) {
    return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  private static double ece(double[][][] logits, int[] labels, double t) {
    return UncertaintyMetrics.calibration(TemperatureScaling.predictive(logits, t).probabilities()[0], labels, 15).ece();
  }

  @Test
  void temperatureOneIsTheIdentity() {
    Synthetic d = synthetic(7, 200, 3);
    double[][][] same = TemperatureScaling.scale(d.logits(), 1);
    for (int i = 0; i < d.labels().length; i++) {
      assertArrayEquals(d.logits()[0][i], same[0][i], 0);
    }
    double[][] direct = new ClassificationPredictive(new double[][][][] {{d.logits()[0]}})
        .logProbability(new int[][] {d.labels()});
    double nll = 0;
    for (double v : direct[0]) {
      nll -= v;
    }
    assertEquals(nll / d.labels().length, TemperatureScaling.nll(d.logits(), d.labels(), 1), 1e-12);
  }

  @Test
  void fitOnValidationPointsUndoesOverConfidenceAndLowersTestNllAndEce() {
    // Reported logits are 4× the true ones, so the calibrated temperature is 4. Validation seed 11,
    // test seed 12, 4000 points each: the fitted T is within 15% of 4 (its sampling error is ~3%).
    Synthetic val = synthetic(11, 4000, 4);
    Synthetic test = synthetic(12, 4000, 4);
    TemperatureScaling.Fit fit = TemperatureScaling.fit(val.logits(), val.labels());
    assertEquals(4, fit.temperature(), 0.6, "fitted T");
    assertTrue(fit.nllAfter() < fit.nllBefore());
    double t = fit.temperature();
    double nllBefore = TemperatureScaling.nll(test.logits(), test.labels(), 1);
    double nllAfter = TemperatureScaling.nll(test.logits(), test.labels(), t);
    assertTrue(nllAfter < 0.8 * nllBefore, "test NLL " + nllBefore + " -> " + nllAfter);
    double eceBefore = ece(test.logits(), test.labels(), 1);
    double eceAfter = ece(test.logits(), test.labels(), t);
    assertTrue(eceAfter < 0.5 * eceBefore, "test ECE " + eceBefore + " -> " + eceAfter);
  }

  @Test
  void underConfidentLogitsGetATemperatureBelowOne() {
    Synthetic val = synthetic(13, 4000, 0.5);
    assertEquals(0.5, TemperatureScaling.fit(val.logits(), val.labels()).temperature(), 0.08);
  }

  @Test
  void calibratedLogitsKeepATemperatureNearOneAndNeverAWorseNll() {
    Synthetic val = synthetic(14, 4000, 1);
    TemperatureScaling.Fit fit = TemperatureScaling.fit(val.logits(), val.labels());
    assertEquals(1, fit.temperature(), 0.1);
    assertTrue(fit.nllAfter() <= fit.nllBefore());
  }

  @Test
  void scalingNeverChangesThePredictedClass() {
    Synthetic d = synthetic(15, 300, 2);
    int[][] a = TemperatureScaling.predictive(d.logits(), 1).predictedClass();
    int[][] b = TemperatureScaling.predictive(d.logits(), 7.5).predictedClass();
    assertArrayEquals(a[0], b[0]);
  }

  @Test
  void badInputIsRefused() {
    Synthetic d = synthetic(16, 10, 1);
    assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.scale(d.logits(), 0));
    assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.scale(d.logits(), Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.fit(d.logits(), new int[3]));
    assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.fit(new double[0][][], new int[0]));
  }
}
