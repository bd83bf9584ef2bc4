package org.bml.algorithms.predictive;

import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Temperature scaling (Guo, Pleiss, Sun &amp; Weinberger 2017, "On Calibration of Modern Neural
 * Networks", ICML): every hypothesis' logits are divided by one scalar T &gt; 0 fitted by minimising
 * the NLL of held-out (validation) labels. T = 1 is the identity; T &gt; 1 softens over-confident
 * predictions. A single hypothesis keeps its argmax (accuracy); a mixture over several may change a
 * few, as the hypotheses are scaled before they are averaged.
 *
 * <p>For a mixture over hypotheses the NLL is that of the averaged probabilities of the scaled
 * hypotheses. The NLL of a single softmax is convex in 1/T; it is minimised over u = log T in
 * [{@value #LOG_T_MIN}, {@value #LOG_T_MAX}] by Brent's method (Commons Math), which needs no
 * gradient and brackets the optimum; an optimum on the boundary is reported as such by
 * {@link Fit#atBound()}.
 */
public final class TemperatureScaling {
  /** log T search range: T ∈ [e^−4, e^4] ≈ [0.018, 54.6]. */
  public static final double LOG_T_MIN = -4;
  public static final double LOG_T_MAX = 4;
  private static final double REL_TOL = 1e-8;
  private static final double ABS_TOL = 1e-10;

  private TemperatureScaling() {}

  /**
   * A fitted temperature.
   *
   * @param temperature T
   * @param nllBefore mean NLL per point at T = 1
   * @param nllAfter mean NLL per point at T
   * @param points held-out points it was fitted on
   * @param atBound whether the optimum lies at the edge of the search range
   */
  public record Fit(double temperature, double nllBefore, double nllAfter, long points, boolean atBound) {}

  /** Logits {@code [k][N][C]} divided by T (a fresh array). */
  public static double[][][] scale(double[][][] logits, double temperature) {
    checkTemperature(temperature);
    double[][][] out = new double[logits.length][][];
    for (int h = 0; h < logits.length; h++) {
      out[h] = new double[logits[h].length][];
      for (int i = 0; i < logits[h].length; i++) {
        double[] l = logits[h][i];
        double[] s = new double[l.length];
        for (int c = 0; c < l.length; c++) {
          s[c] = l[c] / temperature;
        }
        out[h][i] = s;
      }
    }
    return out;
  }

  /** The mixture predictive of pooled points: logits {@code [k][N][C]} scaled by T, as one task of N points. */
  public static ClassificationPredictive predictive(double[][][] logits, double temperature) {
    double[][][] s = scale(logits, temperature);
    double[][][][] asTask = new double[s.length][1][][];
    for (int h = 0; h < s.length; h++) {
      asTask[h][0] = s[h];
    }
    return new ClassificationPredictive(asTask);
  }

  /** Mean NLL per point of labels {@code [N]} under the mixture of logits {@code [k][N][C]} divided by T. */
  public static double nll(double[][][] logits, int[] labels, double temperature) {
    checkInputs(logits, labels);
    double[][] lp = predictive(logits, temperature).logProbability(new int[][] {labels});
    double s = 0;
    for (double v : lp[0]) {
      s -= v;
    }
    return s / labels.length;
  }

  /** Fits T on held-out logits {@code [k][N][C]} (k hypotheses, N points pooled over tasks) and labels {@code [N]}. */
  public static Fit fit(double[][][] logits, int[] labels) {
    checkInputs(logits, labels);
    UnivariatePointValuePair best = new BrentOptimizer(REL_TOL, ABS_TOL).optimize(new MaxEval(500),
        new UnivariateObjectiveFunction(u -> nll(logits, labels, Math.exp(u))), GoalType.MINIMIZE,
        new SearchInterval(LOG_T_MIN, LOG_T_MAX, 0));
    double u = best.getPoint();
    double before = nll(logits, labels, 1);
    // Brent may stop a hair away from T = 1 on already-calibrated data: never report a worse fit.
    if (before <= best.getValue()) {
      return new Fit(1, before, before, labels.length, false);
    }
    boolean atBound = u - LOG_T_MIN < 1e-3 || LOG_T_MAX - u < 1e-3;
    return new Fit(Math.exp(u), before, best.getValue(), labels.length, atBound);
  }

  private static void checkTemperature(double t) {
    if (!(t > 0) || !Double.isFinite(t)) {
      throw new IllegalArgumentException("TemperatureScaling: temperature must be finite and > 0, got " + t);
    }
  }

  private static void checkInputs(double[][][] logits, int[] labels) {
    if (logits == null || logits.length == 0 || labels == null || labels.length == 0) {
      throw new IllegalArgumentException("TemperatureScaling: need logits of at least one hypothesis and labels of at "
          + "least one point");
    }
    for (int h = 0; h < logits.length; h++) {
      if (logits[h] == null || logits[h].length != labels.length) {
        throw new IllegalArgumentException("TemperatureScaling: hypothesis " + h + " has "
            + (logits[h] == null ? "null" : logits[h].length) + " points, labels " + labels.length);
      }
    }
  }
}
