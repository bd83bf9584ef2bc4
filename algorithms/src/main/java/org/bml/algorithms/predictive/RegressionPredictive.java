package org.bml.algorithms.predictive;

import java.util.Arrays;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.util.FastMath;

/**
 * A regression predictive distribution: per task t, point i and output o, the uniform mixture over
 * k hypotheses h of N(f_h(x_i)_o, σ²_{h,t}),
 * <pre>
 *   p(y | x) = (1/k) Σ_h N(y; μ_h, σ²_h),   μ_h = f_h(x)
 *   mean     = (1/k) Σ_h μ_h
 *   variance = (1/k) Σ_h σ²_h + (1/k) Σ_h (μ_h − mean)²     (law of total variance)
 * </pre>
 * Quantiles invert the mixture CDF per point (closed form for one hypothesis, else Brent's method
 * on a bracket that always holds the root: the mixture's p-quantile lies between the smallest and
 * largest component p-quantile). The central c-interval is [q_{(1−c)/2}, q_{(1+c)/2}].
 *
 * <p>The observation noise σ² is an input (see {@link NoiseModel}): one per hypothesis and task.
 * Immutable; arrays passed in are copied and arrays returned are fresh.
 */
public final class RegressionPredictive {
  // The standard normal, for Φ and Φ⁻¹ only (no sampling, hence no random generator).
  private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final double[][][][] predictions;
  private final double[][] noiseVariances;
  // Per-point variances [k][T][n][out] of learners whose hypotheses predict a Gaussian per point
  // (see pointwise); null when each hypothesis has one noise variance per task.
  private final double[][][][] pointVariances;
  private final int k;
  private final int tasks;
  private final int points;
  private final int outputs;

  /**
   * @param predictions {@code [k][T][n][out]} each hypothesis' predicted means (finite)
   * @param noiseVariances {@code [k][T]} each hypothesis' observation variance per task (finite, > 0)
   */
  public RegressionPredictive(double[][][][] predictions, double[][] noiseVariances) {
    this(predictions, noiseVariances, null);
  }

  private RegressionPredictive(double[][][][] predictions, double[][] noiseVariances, double[][][][] pointVariances) {
    if (predictions == null || predictions.length == 0) {
      throw new IllegalArgumentException("RegressionPredictive: need at least one hypothesis, got "
          + (predictions == null ? "null" : "none"));
    }
    k = predictions.length;
    if (predictions[0] == null || predictions[0].length == 0 || predictions[0][0] == null
        || predictions[0][0].length == 0 || predictions[0][0][0] == null || predictions[0][0][0].length == 0) {
      throw new IllegalArgumentException("RegressionPredictive: predictions must be [k][T][n][out] with T, n, out > 0");
    }
    tasks = predictions[0].length;
    points = predictions[0][0].length;
    outputs = predictions[0][0][0].length;
    this.predictions = new double[k][tasks][points][];
    for (int h = 0; h < k; h++) {
      for (int t = 0; t < tasks; t++) {
        for (int i = 0; i < points; i++) {
          double[] row = row(predictions, h, t, i);
          for (int o = 0; o < outputs; o++) {
            if (!Double.isFinite(row[o])) {
              throw new IllegalArgumentException("RegressionPredictive: prediction of hypothesis " + h + ", task " + t
                  + ", point " + i + ", output " + o + " is not finite: " + row[o]);
            }
          }
          this.predictions[h][t][i] = row.clone();
        }
      }
    }
    if (noiseVariances == null || noiseVariances.length != k) {
      throw new IllegalArgumentException("RegressionPredictive: noise variances must be [k = " + k + "][T = " + tasks
          + "], got " + (noiseVariances == null ? "null" : noiseVariances.length + " rows"));
    }
    this.noiseVariances = new double[k][];
    for (int h = 0; h < k; h++) {
      if (noiseVariances[h] == null || noiseVariances[h].length != tasks) {
        throw new IllegalArgumentException("RegressionPredictive: noise variances of hypothesis " + h + " must have "
            + tasks + " entries (one per task), got " + (noiseVariances[h] == null ? "null" : noiseVariances[h].length));
      }
      for (int t = 0; t < tasks; t++) {
        double v = noiseVariances[h][t];
        if (!(v > 0 && Double.isFinite(v))) {
          throw new IllegalArgumentException("RegressionPredictive: noise variance of hypothesis " + h + ", task " + t
              + " must be finite and > 0, got " + v);
        }
      }
      this.noiseVariances[h] = noiseVariances[h].clone();
    }
    this.pointVariances = pointVariances == null ? null : copyVariances(pointVariances, k, tasks, points, outputs);
  }

  /**
   * A predictive whose hypotheses each predict a Gaussian per point (e.g. a neural process or a
   * Gaussian process): component h at task t, point i, output o is N(μ_{h,t,i,o}, σ²_{h,t,i,o}).
   * {@link #noiseVariances()} then gives each hypothesis' mean variance over a task's points.
   *
   * @param variances {@code [k][T][n][out]}, the same shape as the predictions, finite and > 0
   */
  public static RegressionPredictive pointwise(double[][][][] predictions, double[][][][] variances) {
    if (variances == null || predictions == null || variances.length != predictions.length) {
      throw new IllegalArgumentException("RegressionPredictive.pointwise: variances must be [k][T][n][out] like the "
          + "predictions, got " + (variances == null ? "null" : variances.length + " hypotheses"));
    }
    double[][] means = new double[variances.length][];
    for (int h = 0; h < variances.length; h++) {
      if (variances[h] == null || predictions[h] == null || variances[h].length != predictions[h].length) {
        throw new IllegalArgumentException("RegressionPredictive.pointwise: variances of hypothesis " + h
            + " must have one entry per task of its predictions");
      }
      means[h] = new double[variances[h].length];
      for (int t = 0; t < variances[h].length; t++) {
        double s = 0;
        int c = 0;
        for (double[] row : variances[h][t]) {
          for (double v : row) {
            s += v;
            c++;
          }
        }
        means[h][t] = c == 0 ? Double.NaN : s / c;
      }
    }
    return new RegressionPredictive(predictions, means, variances);
  }

  private static double[][][][] copyVariances(double[][][][] v, int k, int tasks, int points, int outputs) {
    double[][][][] out = new double[k][tasks][points][];
    for (int h = 0; h < k; h++) {
      for (int t = 0; t < tasks; t++) {
        if (v[h][t] == null || v[h][t].length != points) {
          throw new IllegalArgumentException("RegressionPredictive.pointwise: variances of hypothesis " + h + ", task "
              + t + " must have " + points + " points");
        }
        for (int i = 0; i < points; i++) {
          double[] row = v[h][t][i];
          if (row == null || row.length != outputs) {
            throw new IllegalArgumentException("RegressionPredictive.pointwise: variances of hypothesis " + h
                + ", task " + t + ", point " + i + " must have " + outputs + " outputs");
          }
          for (int o = 0; o < outputs; o++) {
            if (!(row[o] > 0 && Double.isFinite(row[o]))) {
              throw new IllegalArgumentException("RegressionPredictive.pointwise: variance of hypothesis " + h
                  + ", task " + t + ", point " + i + ", output " + o + " must be finite and > 0, got " + row[o]);
            }
          }
          out[h][t][i] = row.clone();
        }
      }
    }
    return out;
  }

  // Component variance of hypothesis h at (t, i, o).
  private double var(int h, int t, int i, int o) {
    return pointVariances == null ? noiseVariances[h][t] : pointVariances[h][t][i][o];
  }

  private static double[] row(double[][][][] p, int h, int t, int i) {
    if (p[h] == null || p[h].length != p[0].length) {
      throw new IllegalArgumentException("RegressionPredictive: hypothesis " + h + " has "
          + (p[h] == null ? "null" : p[h].length) + " tasks, hypothesis 0 has " + p[0].length);
    }
    if (p[h][t] == null || p[h][t].length != p[0][0].length) {
      throw new IllegalArgumentException("RegressionPredictive: hypothesis " + h + ", task " + t + " has "
          + (p[h][t] == null ? "null" : p[h][t].length) + " points, expected " + p[0][0].length);
    }
    double[] r = p[h][t][i];
    if (r == null || r.length != p[0][0][0].length) {
      throw new IllegalArgumentException("RegressionPredictive: hypothesis " + h + ", task " + t + ", point " + i
          + " has " + (r == null ? "null" : r.length) + " outputs, expected " + p[0][0][0].length);
    }
    return r;
  }

  /** Number of hypotheses k (mixture components per point). */
  public int hypotheses() {
    return k;
  }

  public int tasks() {
    return tasks;
  }

  public int points() {
    return points;
  }

  public int outputs() {
    return outputs;
  }

  /** The hypotheses' raw predictions {@code [k][T][n][out]} (a copy). */
  public double[][][][] predictions() {
    double[][][][] out = new double[k][tasks][points][];
    for (int h = 0; h < k; h++) {
      for (int t = 0; t < tasks; t++) {
        for (int i = 0; i < points; i++) {
          out[h][t][i] = predictions[h][t][i].clone();
        }
      }
    }
    return out;
  }

  /** The observation variances σ²_{h,t} {@code [k][T]} (a copy). */
  public double[][] noiseVariances() {
    double[][] out = new double[k][];
    for (int h = 0; h < k; h++) {
      out[h] = noiseVariances[h].clone();
    }
    return out;
  }

  /** Predictive mean {@code [T][n][out]}. */
  public double[][][] mean() {
    double[][][] m = new double[tasks][points][outputs];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int o = 0; o < outputs; o++) {
          m[t][i][o] = componentMean(t, i, o);
        }
      }
    }
    return m;
  }

  private double componentMean(int t, int i, int o) {
    double s = 0;
    for (int h = 0; h < k; h++) {
      s += predictions[h][t][i][o];
    }
    return s / k;
  }

  /** Predictive variance {@code [T][n][out]}: mean noise variance plus the spread of the hypotheses' means. */
  public double[][][] variance() {
    double[][][] v = new double[tasks][points][outputs];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int o = 0; o < outputs; o++) {
          double noise = 0;
          for (int h = 0; h < k; h++) {
            noise += var(h, t, i, o);
          }
          noise /= k;
          double m = componentMean(t, i, o);
          double spread = 0;
          for (int h = 0; h < k; h++) {
            double d = predictions[h][t][i][o] - m;
            spread += d * d;
          }
          v[t][i][o] = noise + spread / k;
        }
      }
    }
    return v;
  }

  /** Mixture CDF P(Y ≤ y) per point, for targets {@code y [T][n][out]}. */
  public double[][][] cdf(double[][][] y) {
    checkTargets(y);
    double[][][] out = new double[tasks][points][outputs];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int o = 0; o < outputs; o++) {
          out[t][i][o] = cdf(t, i, o, y[t][i][o]);
        }
      }
    }
    return out;
  }

  private double cdf(int t, int i, int o, double y) {
    double s = 0;
    for (int h = 0; h < k; h++) {
      s += STANDARD.cumulativeProbability((y - predictions[h][t][i][o]) / Math.sqrt(var(h, t, i, o)));
    }
    return s / k;
  }

  /** Log predictive density log p(y | x) per point (log-sum-exp over hypotheses), targets {@code [T][n][out]}. */
  public double[][][] logDensity(double[][][] y) {
    checkTargets(y);
    double[][][] out = new double[tasks][points][outputs];
    double[] terms = new double[k];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int o = 0; o < outputs; o++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int h = 0; h < k; h++) {
            double v = var(h, t, i, o);
            double d = y[t][i][o] - predictions[h][t][i][o];
            terms[h] = -0.5 * (LOG_2PI + Math.log(v) + d * d / v);
            max = Math.max(max, terms[h]);
          }
          double s = 0;
          for (int h = 0; h < k; h++) {
            s += Math.exp(terms[h] - max);
          }
          out[t][i][o] = max + Math.log(s / k);
        }
      }
    }
    return out;
  }

  /** The p-quantile per point {@code [T][n][out]}, p in (0, 1). */
  public double[][][] quantile(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("RegressionPredictive.quantile: p must be in (0, 1), got " + p);
    }
    double z = STANDARD.inverseCumulativeProbability(p);
    double[][][] q = new double[tasks][points][outputs];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int o = 0; o < outputs; o++) {
          q[t][i][o] = quantile(t, i, o, p, z);
        }
      }
    }
    return q;
  }

  private double quantile(int t, int i, int o, double p, double z) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    double scale = 0;
    for (int h = 0; h < k; h++) {
      double sd = Math.sqrt(var(h, t, i, o));
      double qh = predictions[h][t][i][o] + sd * z;
      lo = Math.min(lo, qh);
      hi = Math.max(hi, qh);
      scale = Math.max(scale, sd);
    }
    if (k == 1 || lo == hi) {
      return lo;
    }
    // Each component's CDF is ≤ p at lo and ≥ p at hi, so their mean brackets p; rounding can
    // still put F(lo) a hair above p (or F(hi) below), in which case the end is the answer.
    double flo = cdf(t, i, o, lo) - p;
    double fhi = cdf(t, i, o, hi) - p;
    if (flo >= 0) {
      return lo;
    }
    if (fhi <= 0) {
      return hi;
    }
    double absolute = 1e-12 * Math.max(scale, FastMath.max(Math.abs(lo), Math.abs(hi)));
    BrentSolver solver = new BrentSolver(1e-15, absolute, 1e-16);
    return solver.solve(1000, y -> cdf(t, i, o, y) - p, lo, hi);
  }

  /** The central c-interval [q_{(1−c)/2}, q_{(1+c)/2}] per point, c in (0, 1). */
  public Interval interval(double c) {
    if (!(c > 0 && c < 1)) {
      throw new IllegalArgumentException("RegressionPredictive.interval: level c must be in (0, 1), got " + c);
    }
    return new Interval(c, quantile((1 - c) / 2), quantile((1 + c) / 2));
  }

  /** A central interval per point: {@code lower[t][i][o] ≤ upper[t][i][o]}. */
  public record Interval(double level, double[][][] lower, double[][][] upper) {
    /** Whether y lies in [lower, upper] at task t, point i, output o. */
    public boolean contains(int t, int i, int o, double y) {
      return y >= lower[t][i][o] && y <= upper[t][i][o];
    }
  }

  private void checkTargets(double[][][] y) {
    if (y == null || y.length != tasks) {
      throw new IllegalArgumentException("RegressionPredictive: targets must be [T = " + tasks + "][n = " + points
          + "][out = " + outputs + "], got " + (y == null ? "null" : y.length + " tasks"));
    }
    for (int t = 0; t < tasks; t++) {
      if (y[t] == null || y[t].length != points) {
        throw new IllegalArgumentException("RegressionPredictive: targets of task " + t + " must have " + points
            + " points, got " + (y[t] == null ? "null" : y[t].length));
      }
      for (int i = 0; i < points; i++) {
        if (y[t][i] == null || y[t][i].length != outputs) {
          throw new IllegalArgumentException("RegressionPredictive: target of task " + t + ", point " + i + " must have "
              + outputs + " outputs, got " + (y[t][i] == null ? "null" : y[t][i].length));
        }
        for (int o = 0; o < outputs; o++) {
          if (!Double.isFinite(y[t][i][o])) {
            throw new IllegalArgumentException("RegressionPredictive: target of task " + t + ", point " + i
                + ", output " + o + " is not finite: " + y[t][i][o]);
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "RegressionPredictive[k=" + k + ", shape=" + Arrays.toString(new int[] {tasks, points, outputs}) + "]";
  }
}
