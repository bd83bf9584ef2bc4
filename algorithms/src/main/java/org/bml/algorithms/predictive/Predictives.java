package org.bml.algorithms.predictive;

import java.util.Arrays;
import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Predictive distributions of any {@link MetaLearner}, from its sampled task hypotheses
 * ({@link MetaLearner#hypotheses}) evaluated at query inputs, batched over tasks.
 *
 * <p>Adaptation runs with gradients enabled (gradient-based methods differentiate the support loss
 * inside it) but from detached meta-parameters, so no graph reaches θ; the predictions run in
 * no-grad mode. Results are plain double arrays, valid after any enclosing
 * {@link org.bml.core.memory.MemoryScope} closes.
 */
public final class Predictives {
  private Predictives() {}

  /**
   * Up to {@code k} task hypotheses of {@code learner} for the support set (at least one; seeded).
   *
   * @throws IllegalArgumentException if k ≤ 0, steps &lt; 0, or the learner returns none or more than k
   */
  public static List<Params> hypotheses(MetaLearner learner, Params meta, Data support, int steps, int k, long seed) {
    if (learner == null || meta == null || support == null) {
      throw new IllegalArgumentException("Predictives: learner, meta-parameters and support set must be given");
    }
    if (k <= 0) {
      throw new IllegalArgumentException("Predictives: number of hypotheses k must be positive, got " + k);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("Predictives: adaptation steps must be >= 0, got " + steps);
    }
    List<Params> hs = learner.hypotheses(meta.detach(), support, steps, k, seed);
    if (hs == null || hs.isEmpty() || hs.size() > k) {
      throw new IllegalStateException(learner.getClass().getSimpleName() + ".hypotheses returned "
          + (hs == null ? "null" : hs.size() + " hypotheses") + " for k = " + k + " (expected 1.." + k + ")");
    }
    return hs;
  }

  /**
   * The regression predictive at query inputs {@code x [T, n, d]}: a mixture over the learner's
   * hypotheses, with observation noise from {@code noise}.
   */
  public static RegressionPredictive regression(MetaLearner learner, Params meta, Data support, Tensor x, int steps,
      int k, long seed, NoiseModel noise) {
    return regression(learner, hypotheses(learner, meta, support, steps, k, seed), support, x, noise);
  }

  /** The regression predictive of given hypotheses (e.g. from a method's own sampler). */
  public static RegressionPredictive regression(MetaLearner learner, List<Params> hypotheses, Data support, Tensor x,
      NoiseModel noise) {
    if (noise == null) {
      throw new IllegalArgumentException("Predictives.regression: a noise model must be given (see NoiseModel)");
    }
    checkInputs(hypotheses, support, x);
    double[][][][] f = outputs(learner, hypotheses, x);
    if (noise instanceof NoiseModel.LearnerVariance) {
      if (!(learner instanceof GaussianOutputs g)) {
        throw new IllegalArgumentException("Predictives.regression: NoiseModel.learnerVariance needs a learner that "
            + "predicts its own variance (GaussianOutputs); " + learner.getClass().getSimpleName() + " does not");
      }
      return RegressionPredictive.pointwise(f, variances(g, hypotheses, x, f));
    }
    double[][] v = noise.variances(learner, hypotheses, support);
    return new RegressionPredictive(f, v);
  }

  /** The classification predictive at query inputs {@code x [T, n, ...]}: mean of the hypotheses' softmax. */
  public static ClassificationPredictive classification(MetaLearner learner, Params meta, Data support, Tensor x,
      int steps, int k, long seed) {
    List<Params> hs = hypotheses(learner, meta, support, steps, k, seed);
    checkInputs(hs, support, x);
    return new ClassificationPredictive(outputs(learner, hs, x));
  }

  /** The classification predictive of given hypotheses. */
  public static ClassificationPredictive classification(MetaLearner learner, List<Params> hypotheses, Tensor x) {
    if (hypotheses == null || hypotheses.isEmpty()) {
      throw new IllegalArgumentException("Predictives.classification: need at least one hypothesis");
    }
    return new ClassificationPredictive(outputs(learner, hypotheses, x));
  }

  /** Each hypothesis' model outputs at x, {@code [k][T][n][out]}, computed without a tape. */
  public static double[][][][] outputs(MetaLearner learner, List<Params> hypotheses, Tensor x) {
    double[][][][] out = new double[hypotheses.size()][][][];
    try (GradMode.Scope ng = GradMode.noGrad()) {
      for (int h = 0; h < out.length; h++) {
        Tensor f = learner.predict(hypotheses.get(h), x);
        if (f.rank() != 3 || f.size(0) != x.size(0) || f.size(1) != x.size(1)) {
          throw new IllegalStateException(learner.getClass().getSimpleName() + ".predict must give [T, n, out] for x "
              + Arrays.toString(x.shape()) + ", got " + Arrays.toString(f.shape()));
        }
        out[h] = values(f.value(), "predictions of hypothesis " + h);
      }
    }
    return out;
  }

  // Each hypothesis' σ²(x) [k][T][n][out], computed without a tape, shaped like the means f.
  private static double[][][][] variances(GaussianOutputs g, List<Params> hypotheses, Tensor x, double[][][][] f) {
    double[][][][] out = new double[hypotheses.size()][][][];
    try (GradMode.Scope ng = GradMode.noGrad()) {
      for (int h = 0; h < out.length; h++) {
        out[h] = values(g.outputVariance(hypotheses.get(h), x).value(), "variances of hypothesis " + h);
        requireSameShape(out[h], f[h], "variances of hypothesis " + h, "its predictions");
      }
    }
    return out;
  }

  /** A rank-3 array {@code [T, n, m]} as doubles. */
  public static double[][][] values(INDArray a, String what) {
    if (a.rank() != 3) {
      throw new IllegalArgumentException("Predictives: " + what + " must be [T, n, m], got " + Arrays.toString(a.shape()));
    }
    int t = Math.toIntExact(a.size(0));
    int n = Math.toIntExact(a.size(1));
    int m = Math.toIntExact(a.size(2));
    double[] flat = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[][][] out = new double[t][n][m];
    for (int i = 0, p = 0; i < t; i++) {
      for (int j = 0; j < n; j++, p += m) {
        System.arraycopy(flat, p, out[i][j], 0, m);
      }
    }
    return out;
  }

  /** Integer labels {@code [T][n]} of one-hot targets {@code [T, n, C]} (each row exactly one 1, the rest 0). */
  public static int[][] labels(INDArray oneHot) {
    double[][][] y = values(oneHot, "one-hot labels");
    int[][] out = new int[y.length][];
    for (int t = 0; t < y.length; t++) {
      out[t] = new int[y[t].length];
      for (int i = 0; i < y[t].length; i++) {
        int label = -1;
        for (int c = 0; c < y[t][i].length; c++) {
          double v = y[t][i][c];
          if (v == 1 && label < 0) {
            label = c;
          } else if (v != 0) {
            label = -2;
            break;
          }
        }
        if (label < 0) {
          throw new IllegalArgumentException("Predictives: targets of task " + t + ", point " + i
              + " are not one-hot: " + Arrays.toString(y[t][i]));
        }
        out[t][i] = label;
      }
    }
    return out;
  }

  static void requireSameShape(double[][][] a, double[][][] b, String aName, String bName) {
    boolean same = a.length == b.length;
    for (int t = 0; same && t < a.length; t++) {
      same = a[t].length == b[t].length && (a[t].length == 0 || a[t][0].length == b[t][0].length);
    }
    if (!same) {
      throw new IllegalArgumentException("Predictives: " + aName + " " + shape(a) + " and " + bName + " " + shape(b)
          + " must have the same shape");
    }
  }

  private static String shape(double[][][] a) {
    return "[" + a.length + ", " + (a.length > 0 ? a[0].length : 0) + ", "
        + (a.length > 0 && a[0].length > 0 ? a[0][0].length : 0) + "]";
  }

  private static void checkInputs(List<Params> hypotheses, Data support, Tensor x) {
    if (hypotheses == null || hypotheses.isEmpty()) {
      throw new IllegalArgumentException("Predictives: need at least one hypothesis");
    }
    if (support == null || x == null) {
      throw new IllegalArgumentException("Predictives: support set and query inputs must be given");
    }
    if (x.rank() < 2 || x.size(0) != support.tasks()) {
      throw new IllegalArgumentException("Predictives: query inputs " + Arrays.toString(x.shape())
          + " must have a leading task axis of " + support.tasks() + " (the support set's)");
    }
  }
}
