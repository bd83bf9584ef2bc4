package org.bml.algorithms.predictive;

/**
 * A classification predictive distribution: per task t and point i, the mean over k hypotheses h of
 * softmax(ℓ_h(x_i)), the class probabilities of each hypothesis' logits (a uniform mixture of
 * categoricals). Log probabilities are computed as log-sum-exp over hypotheses of the
 * log-softmax, so they stay finite where a probability underflows.
 *
 * <p>Immutable; arrays passed in are copied and arrays returned are fresh.
 */
public final class ClassificationPredictive {
  private final double[][][][] logits;
  // log softmax of each hypothesis, [k][T][n][C]
  private final double[][][][] logProbs;
  private final double[][][] mixtureLogProbs; // [T][n][C]
  private final int k;
  private final int tasks;
  private final int points;
  private final int classes;

  /** @param logits {@code [k][T][n][C]} each hypothesis' (unnormalised) class scores, finite, C ≥ 2 */
  public ClassificationPredictive(double[][][][] logits) {
    if (logits == null || logits.length == 0) {
      throw new IllegalArgumentException("ClassificationPredictive: need at least one hypothesis, got "
          + (logits == null ? "null" : "none"));
    }
    k = logits.length;
    if (logits[0] == null || logits[0].length == 0 || logits[0][0] == null || logits[0][0].length == 0
        || logits[0][0][0] == null) {
      throw new IllegalArgumentException("ClassificationPredictive: logits must be [k][T][n][C] with T, n > 0");
    }
    tasks = logits[0].length;
    points = logits[0][0].length;
    classes = logits[0][0][0].length;
    if (classes < 2) {
      throw new IllegalArgumentException("ClassificationPredictive: need at least 2 classes, got " + classes);
    }
    this.logits = new double[k][tasks][points][];
    this.logProbs = new double[k][tasks][points][];
    for (int h = 0; h < k; h++) {
      if (logits[h] == null || logits[h].length != tasks) {
        throw new IllegalArgumentException("ClassificationPredictive: hypothesis " + h + " has "
            + (logits[h] == null ? "null" : logits[h].length) + " tasks, expected " + tasks);
      }
      for (int t = 0; t < tasks; t++) {
        if (logits[h][t] == null || logits[h][t].length != points) {
          throw new IllegalArgumentException("ClassificationPredictive: hypothesis " + h + ", task " + t + " has "
              + (logits[h][t] == null ? "null" : logits[h][t].length) + " points, expected " + points);
        }
        for (int i = 0; i < points; i++) {
          double[] l = logits[h][t][i];
          if (l == null || l.length != classes) {
            throw new IllegalArgumentException("ClassificationPredictive: hypothesis " + h + ", task " + t + ", point "
                + i + " has " + (l == null ? "null" : l.length) + " class scores, expected " + classes);
          }
          double max = Double.NEGATIVE_INFINITY;
          for (int c = 0; c < classes; c++) {
            if (!Double.isFinite(l[c])) {
              throw new IllegalArgumentException("ClassificationPredictive: logit of hypothesis " + h + ", task " + t
                  + ", point " + i + ", class " + c + " is not finite: " + l[c]);
            }
            max = Math.max(max, l[c]);
          }
          double s = 0;
          for (int c = 0; c < classes; c++) {
            s += Math.exp(l[c] - max);
          }
          double lse = max + Math.log(s);
          double[] lp = new double[classes];
          for (int c = 0; c < classes; c++) {
            lp[c] = l[c] - lse;
          }
          this.logits[h][t][i] = l.clone();
          this.logProbs[h][t][i] = lp;
        }
      }
    }
    // The mixture is read by probabilities(), predictedClass() and logProbability(labels): computed once.
    this.mixtureLogProbs = new double[tasks][points][classes];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int c = 0; c < classes; c++) {
          mixtureLogProbs[t][i][c] = mixtureLogProbability(t, i, c);
        }
      }
    }
  }

  public int hypotheses() {
    return k;
  }

  public int tasks() {
    return tasks;
  }

  public int points() {
    return points;
  }

  public int classes() {
    return classes;
  }

  /** The hypotheses' raw predictions (logits) {@code [k][T][n][C]} (a copy). */
  public double[][][][] logits() {
    return copy(logits);
  }

  /** Each hypothesis' class probabilities softmax(ℓ_h) {@code [k][T][n][C]}. */
  public double[][][][] hypothesisProbabilities() {
    double[][][][] out = copy(logProbs);
    for (double[][][] a : out) {
      for (double[][] b : a) {
        for (double[] r : b) {
          for (int c = 0; c < r.length; c++) {
            r[c] = Math.exp(r[c]);
          }
        }
      }
    }
    return out;
  }

  /** Averaged class probabilities {@code [T][n][C]} (each row sums to 1). */
  public double[][][] probabilities() {
    double[][][] p = new double[tasks][points][classes];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        for (int c = 0; c < classes; c++) {
          p[t][i][c] = Math.exp(logProbability(t, i, c));
        }
      }
    }
    return p;
  }

  /** The most probable class under the averaged probabilities {@code [T][n]} (lowest index on ties). */
  public int[][] predictedClass() {
    int[][] out = new int[tasks][points];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        int best = 0;
        double bestLp = logProbability(t, i, 0);
        for (int c = 1; c < classes; c++) {
          double lp = logProbability(t, i, c);
          if (lp > bestLp) {
            best = c;
            bestLp = lp;
          }
        }
        out[t][i] = best;
      }
    }
    return out;
  }

  /** log p(y = labels[t][i] | x) per point {@code [T][n]}, labels in [0, C). */
  public double[][] logProbability(int[][] labels) {
    if (labels == null || labels.length != tasks) {
      throw new IllegalArgumentException("ClassificationPredictive: labels must be [T = " + tasks + "][n = " + points
          + "], got " + (labels == null ? "null" : labels.length + " tasks"));
    }
    double[][] out = new double[tasks][points];
    for (int t = 0; t < tasks; t++) {
      if (labels[t] == null || labels[t].length != points) {
        throw new IllegalArgumentException("ClassificationPredictive: labels of task " + t + " must have " + points
            + " entries, got " + (labels[t] == null ? "null" : labels[t].length));
      }
      for (int i = 0; i < points; i++) {
        int y = labels[t][i];
        if (y < 0 || y >= classes) {
          throw new IllegalArgumentException("ClassificationPredictive: label of task " + t + ", point " + i
              + " must be in [0, " + classes + "), got " + y);
        }
        out[t][i] = logProbability(t, i, y);
      }
    }
    return out;
  }

  private double logProbability(int t, int i, int c) {
    return mixtureLogProbs[t][i][c];
  }

  // log (1/k) Σ_h softmax(ℓ_h)_c
  private double mixtureLogProbability(int t, int i, int c) {
    double max = Double.NEGATIVE_INFINITY;
    for (int h = 0; h < k; h++) {
      max = Math.max(max, logProbs[h][t][i][c]);
    }
    double s = 0;
    for (int h = 0; h < k; h++) {
      s += Math.exp(logProbs[h][t][i][c] - max);
    }
    return max + Math.log(s / k);
  }

  private static double[][][][] copy(double[][][][] a) {
    double[][][][] out = new double[a.length][][][];
    for (int h = 0; h < a.length; h++) {
      out[h] = new double[a[h].length][][];
      for (int t = 0; t < a[h].length; t++) {
        out[h][t] = new double[a[h][t].length][];
        for (int i = 0; i < a[h][t].length; i++) {
          out[h][t][i] = a[h][t][i].clone();
        }
      }
    }
    return out;
  }
}
