package org.bml.algorithms.predictive;

import java.util.Arrays;

/**
 * Metrics of predictive distributions, on plain arrays of points (pool or slice per task as needed).
 * Every method validates its input (shapes, NaN, probabilities, levels, bins) and throws
 * {@link IllegalArgumentException} naming the bad value; none returns NaN.
 *
 * <p>Definitions:
 * <ul>
 *   <li>NLL: −(1/N) Σ log p(y_i | x_i);</li>
 *   <li>MSE: (1/N) Σ (ŷ_i − y_i)²; accuracy: the fraction of points whose predicted class is the label;</li>
 *   <li>ECE and MCE (Guo, Pleiss, Sun &amp; Weinberger 2017, "On Calibration of Modern Neural
 *       Networks", eq. 3 and 5): the top-label confidence ĉ_i = max_c p_ic is put in M equal-width
 *       bins B_m = ((m−1)/M, m/M] (ĉ = 0 in the first); ECE = Σ_m |B_m|/N · |acc(B_m) − conf(B_m)|,
 *       MCE = max over non-empty bins of |acc(B_m) − conf(B_m)|, where acc is the fraction of
 *       points whose argmax class (lowest index on ties) is the label and conf the mean ĉ;</li>
 *   <li>Brier score: (1/N) Σ_i Σ_c (p_ic − 1[y_i = c])² (multi-class, in [0, 2]);</li>
 *   <li>interval coverage: the fraction of targets inside their interval [lower, upper] (ends included);</li>
 *   <li>mode coverage: see {@link #modeCoverage}.</li>
 * </ul>
 */
public final class UncertaintyMetrics {
  /** The number of confidence bins of Guo et al. (2017). */
  public static final int DEFAULT_BINS = 15;
  /** How far a row of probabilities may sum from 1 (rounding of float32 softmax outputs). */
  public static final double PROBABILITY_TOLERANCE = 1e-5;

  private UncertaintyMetrics() {}

  /** Negative mean log-likelihood; +∞ if some point has probability 0 (log-likelihood −∞). */
  public static double nll(double[] logLikelihoods) {
    nonEmpty("nll", "log-likelihoods", logLikelihoods);
    double s = 0;
    for (int i = 0; i < logLikelihoods.length; i++) {
      double v = logLikelihoods[i];
      if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
        throw new IllegalArgumentException("UncertaintyMetrics.nll: log-likelihood " + i + " is " + v);
      }
      s += v;
    }
    return -s / logLikelihoods.length;
  }

  /** Mean squared error of point predictions. */
  public static double mse(double[] predictions, double[] targets) {
    nonEmpty("mse", "predictions", predictions);
    sameLength("mse", "predictions", predictions.length, "targets", targets == null ? -1 : targets.length);
    double s = 0;
    for (int i = 0; i < predictions.length; i++) {
      finite("mse", "prediction", i, predictions[i]);
      finite("mse", "target", i, targets[i]);
      double d = predictions[i] - targets[i];
      s += d * d;
    }
    return s / predictions.length;
  }

  /** Fraction of points whose predicted class equals the label. */
  public static double accuracy(int[] predicted, int[] labels) {
    if (predicted == null || predicted.length == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics.accuracy: predicted classes must be non-empty");
    }
    sameLength("accuracy", "predicted classes", predicted.length, "labels", labels == null ? -1 : labels.length);
    int right = 0;
    for (int i = 0; i < predicted.length; i++) {
      if (predicted[i] == labels[i]) {
        right++;
      }
    }
    return (double) right / predicted.length;
  }

  /**
   * Reliability of top-label confidences: per-bin counts, mean confidence and accuracy (NaN-free:
   * empty bins have 0 for both), ECE and MCE.
   */
  public record Calibration(double ece, double mce, long[] counts, double[] confidence, double[] accuracy) {
    public int bins() {
      return counts.length;
    }

    public long points() {
      return Arrays.stream(counts).sum();
    }
  }

  /** Calibration of top-label confidences in [0, 1] and whether each top-label prediction was right. */
  public static Calibration calibration(double[] confidence, boolean[] correct, int bins) {
    bins(bins);
    nonEmpty("calibration", "confidences", confidence);
    sameLength("calibration", "confidences", confidence.length, "correctness flags",
        correct == null ? -1 : correct.length);
    long[] counts = new long[bins];
    double[] confSum = new double[bins];
    long[] right = new long[bins];
    for (int i = 0; i < confidence.length; i++) {
      double c = confidence[i];
      if (!(c >= 0 && c <= 1)) {
        throw new IllegalArgumentException("UncertaintyMetrics.calibration: confidence " + i + " must be in [0, 1], got "
            + c);
      }
      int b = bin(c, bins);
      counts[b]++;
      confSum[b] += c;
      if (correct[i]) {
        right[b]++;
      }
    }
    double ece = 0;
    double mce = 0;
    double[] meanConf = new double[bins];
    double[] acc = new double[bins];
    for (int b = 0; b < bins; b++) {
      if (counts[b] == 0) {
        continue;
      }
      meanConf[b] = confSum[b] / counts[b];
      acc[b] = (double) right[b] / counts[b];
      double gap = Math.abs(acc[b] - meanConf[b]);
      ece += (double) counts[b] / confidence.length * gap;
      mce = Math.max(mce, gap);
    }
    return new Calibration(ece, mce, counts, meanConf, acc);
  }

  /** Calibration of class probabilities {@code [N][C]} against labels: top-label confidence and argmax. */
  public static Calibration calibration(double[][] probabilities, int[] labels, int bins) {
    bins(bins);
    checkProbabilities("calibration", probabilities, labels);
    double[] conf = new double[probabilities.length];
    boolean[] correct = new boolean[probabilities.length];
    for (int i = 0; i < probabilities.length; i++) {
      int arg = argmax(probabilities[i]);
      conf[i] = Math.min(1.0, probabilities[i][arg]);
      correct[i] = arg == labels[i];
    }
    return calibration(conf, correct, bins);
  }

  /** Expected calibration error with {@code bins} equal-width bins. */
  public static double ece(double[][] probabilities, int[] labels, int bins) {
    return calibration(probabilities, labels, bins).ece();
  }

  /** Maximum calibration error with {@code bins} equal-width bins. */
  public static double mce(double[][] probabilities, int[] labels, int bins) {
    return calibration(probabilities, labels, bins).mce();
  }

  /** Multi-class Brier score: mean over points of Σ_c (p_c − 1[y = c])². */
  public static double brier(double[][] probabilities, int[] labels) {
    checkProbabilities("brier", probabilities, labels);
    double s = 0;
    for (int i = 0; i < probabilities.length; i++) {
      for (int c = 0; c < probabilities[i].length; c++) {
        double d = probabilities[i][c] - (c == labels[i] ? 1 : 0);
        s += d * d;
      }
    }
    return s / probabilities.length;
  }

  /** Fraction of targets with lower ≤ y ≤ upper. */
  public static double coverage(double[] lower, double[] upper, double[] targets) {
    nonEmpty("coverage", "targets", targets);
    sameLength("coverage", "lower ends", lower == null ? -1 : lower.length, "targets", targets.length);
    sameLength("coverage", "upper ends", upper == null ? -1 : upper.length, "targets", targets.length);
    int inside = 0;
    for (int i = 0; i < targets.length; i++) {
      finite("coverage", "target", i, targets[i]);
      finite("coverage", "lower end", i, lower[i]);
      finite("coverage", "upper end", i, upper[i]);
      if (lower[i] > upper[i]) {
        throw new IllegalArgumentException("UncertaintyMetrics.coverage: interval " + i + " has lower end " + lower[i]
            + " above upper end " + upper[i]);
      }
      if (targets[i] >= lower[i] && targets[i] <= upper[i]) {
        inside++;
      }
    }
    return (double) inside / targets.length;
  }

  /** Fraction of targets {@code [T][n][out]} inside the predictive's central c-interval, c in (0, 1). */
  public static double intervalCoverage(RegressionPredictive predictive, double[][][] targets, double c) {
    if (!(c > 0 && c < 1)) {
      throw new IllegalArgumentException("UncertaintyMetrics.intervalCoverage: level c must be in (0, 1), got " + c);
    }
    // logDensity validates the targets' shape and finiteness against the predictive.
    predictive.logDensity(targets);
    RegressionPredictive.Interval iv = predictive.interval(c);
    return coverage(flatten(iv.lower()), flatten(iv.upper()), flatten(targets));
  }

  /**
   * Mode coverage of one task. {@code modes [m][g]} are the task's m ≥ 1 candidate modes (true
   * functions consistent with its support set) and {@code hypotheses [k][g]} the sampled
   * hypotheses' predictions, all on the same g grid values (flattened over points and outputs).
   * With the root-mean-square distance d(a, b) = √((1/g) Σ_j (a_j − b_j)²), hypothesis h
   * <em>covers</em> mode j if it is strictly closer to j than to every other mode and
   * d(h, j) ≤ {@code threshold}; a hypothesis equidistant from its two nearest modes covers none.
   * The result is the fraction of modes covered by at least one hypothesis, in {0, 1/m, ..., 1}.
   * {@code threshold} is > 0, {@code +∞} to use nearest-mode assignment alone.
   */
  public static double modeCoverage(double[][] modes, double[][] hypotheses, double threshold) {
    if (!(threshold > 0)) {
      throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: threshold must be > 0 (+∞ allowed), got "
          + threshold);
    }
    if (modes == null || modes.length == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: need at least one mode");
    }
    if (hypotheses == null || hypotheses.length == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: need at least one hypothesis");
    }
    int g = modes[0] == null ? 0 : modes[0].length;
    if (g == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: modes must have at least one grid value");
    }
    grid("mode", modes, g);
    grid("hypothesis", hypotheses, g);
    boolean[] covered = new boolean[modes.length];
    for (double[] h : hypotheses) {
      int best = -1;
      double bestD = Double.POSITIVE_INFINITY;
      boolean tie = false;
      for (int j = 0; j < modes.length; j++) {
        double d = rms(h, modes[j]);
        if (d < bestD) {
          best = j;
          bestD = d;
          tie = false;
        } else if (d == bestD) {
          tie = true;
        }
      }
      if (!tie && bestD <= threshold) {
        covered[best] = true;
      }
    }
    int n = 0;
    for (boolean c : covered) {
      if (c) {
        n++;
      }
    }
    return (double) n / modes.length;
  }

  /** Root-mean-square distance between two equal-length vectors. */
  public static double rms(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      double d = a[j] - b[j];
      s += d * d;
    }
    return Math.sqrt(s / a.length);
  }

  /** Row-major flattening of {@code [T][n][m]}. */
  public static double[] flatten(double[][][] a) {
    int size = 0;
    for (double[][] b : a) {
      for (double[] r : b) {
        size += r.length;
      }
    }
    double[] out = new double[size];
    int p = 0;
    for (double[][] b : a) {
      for (double[] r : b) {
        System.arraycopy(r, 0, out, p, r.length);
        p += r.length;
      }
    }
    return out;
  }

  /** Row-major flattening of {@code [T][n]}. */
  public static double[] flatten(double[][] a) {
    return Arrays.stream(a).flatMapToDouble(Arrays::stream).toArray();
  }

  /** Row-major flattening of {@code [T][n]}. */
  public static int[] flatten(int[][] a) {
    return Arrays.stream(a).flatMapToInt(Arrays::stream).toArray();
  }

  /** {@code [T][n][C]} as {@code [T·n][C]} (rows shared, not copied). */
  public static double[][] rows(double[][][] a) {
    return Arrays.stream(a).flatMap(Arrays::stream).toArray(double[][]::new);
  }

  static int bin(double confidence, int bins) {
    return Math.min(bins - 1, Math.max(0, (int) Math.ceil(confidence * bins) - 1));
  }

  private static int argmax(double[] p) {
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  private static void checkProbabilities(String method, double[][] p, int[] labels) {
    if (p == null || p.length == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics." + method + ": probabilities must be non-empty");
    }
    sameLength(method, "probability rows", p.length, "labels", labels == null ? -1 : labels.length);
    int classes = p[0] == null ? 0 : p[0].length;
    if (classes < 2) {
      throw new IllegalArgumentException("UncertaintyMetrics." + method + ": need at least 2 classes, got " + classes);
    }
    for (int i = 0; i < p.length; i++) {
      if (p[i] == null || p[i].length != classes) {
        throw new IllegalArgumentException("UncertaintyMetrics." + method + ": probability row " + i + " has "
            + (p[i] == null ? "null" : p[i].length) + " classes, row 0 has " + classes);
      }
      double s = 0;
      for (int c = 0; c < classes; c++) {
        double v = p[i][c];
        if (!(v >= 0 && v <= 1)) {
          throw new IllegalArgumentException("UncertaintyMetrics." + method + ": probability of row " + i + ", class " + c
              + " must be in [0, 1], got " + v);
        }
        s += v;
      }
      if (Math.abs(s - 1) > PROBABILITY_TOLERANCE) {
        throw new IllegalArgumentException("UncertaintyMetrics." + method + ": probabilities of row " + i + " sum to " + s
            + ", not 1 (tolerance " + PROBABILITY_TOLERANCE + ")");
      }
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException("UncertaintyMetrics." + method + ": label " + i + " must be in [0, " + classes
            + "), got " + labels[i]);
      }
    }
  }

  private static void grid(String what, double[][] rows, int g) {
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null || rows[r].length != g) {
        throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: " + what + " " + r + " has "
            + (rows[r] == null ? "null" : rows[r].length) + " grid values, expected " + g);
      }
      for (int j = 0; j < g; j++) {
        if (!Double.isFinite(rows[r][j])) {
          throw new IllegalArgumentException("UncertaintyMetrics.modeCoverage: " + what + " " + r + " is not finite at "
              + "grid value " + j + ": " + rows[r][j]);
        }
      }
    }
  }

  private static void bins(int bins) {
    if (bins <= 0) {
      throw new IllegalArgumentException("UncertaintyMetrics: number of bins must be positive, got " + bins);
    }
  }

  private static void nonEmpty(String method, String what, double[] a) {
    if (a == null || a.length == 0) {
      throw new IllegalArgumentException("UncertaintyMetrics." + method + ": " + what + " must be non-empty");
    }
  }

  private static void sameLength(String method, String a, int na, String b, int nb) {
    if (na != nb) {
      throw new IllegalArgumentException("UncertaintyMetrics." + method + ": " + a + " (" + na + ") and " + b + " ("
          + (nb < 0 ? "null" : nb) + ") must have the same length");
    }
  }

  private static void finite(String method, String what, int i, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("UncertaintyMetrics." + method + ": " + what + " " + i + " is not finite: " + v);
    }
  }
}
