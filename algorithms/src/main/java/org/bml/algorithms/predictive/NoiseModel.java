package org.bml.algorithms.predictive;

import java.util.Arrays;
import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.GradMode;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The observation noise σ² of each regression hypothesis, per task: {@code [k][T]}, finite and > 0.
 *
 * <p>A learner trained with mean squared error has no noise model, so the caller chooses one:
 * <ul>
 *   <li>{@link #fixed}: a known constant, e.g. the data set's noise variance (sinusoid tasks of the
 *       BMAML protocol or sine-and-line: {@code noiseStd²});</li>
 *   <li>{@link #supportResiduals}: per hypothesis and task, the mean squared residual of the
 *       hypothesis on the support set (the maximum-likelihood σ² given that hypothesis). The
 *       hypotheses were adapted on those very points, so this underestimates the noise (most with
 *       many steps or few shots); the floor keeps it positive when a hypothesis interpolates;</li>
 *   <li>{@link #logPrecision}: a method with a learned noise precision (BMAML's per-particle
 *       log γ) carries it in each hypothesis' parameters, σ² = exp(−log γ).</li>
 *   <li>{@link #learnerVariance}: a {@link GaussianOutputs} learner predicts σ²(x) per point itself
 *       (neural and Gaussian processes); the predictive is then built per point.</li>
 * </ul>
 */
@FunctionalInterface
public interface NoiseModel {
  /** σ² {@code [k][T]} for the given hypotheses (k = hypotheses.size()) and their support set. */
  double[][] variances(MetaLearner learner, List<Params> hypotheses, Data support);

  /** The same σ² for every hypothesis and task. */
  static NoiseModel fixed(double variance) {
    if (!(variance > 0 && Double.isFinite(variance))) {
      throw new IllegalArgumentException("NoiseModel.fixed: variance must be finite and > 0, got " + variance);
    }
    return (learner, hypotheses, support) -> {
      double[][] v = new double[hypotheses.size()][Math.toIntExact(support.tasks())];
      for (double[] row : v) {
        Arrays.fill(row, variance);
      }
      return v;
    };
  }

  /** σ²_{h,t} = max(floor, mean over support points and outputs of (f_h(x) − y)²). */
  static NoiseModel supportResiduals(double floor) {
    if (!(floor > 0 && Double.isFinite(floor))) {
      throw new IllegalArgumentException("NoiseModel.supportResiduals: floor must be finite and > 0, got " + floor);
    }
    return (learner, hypotheses, support) -> {
      double[][][] y = Predictives.values(support.y().value(), "support targets");
      double[][] v = new double[hypotheses.size()][y.length];
      for (int h = 0; h < hypotheses.size(); h++) {
        double[][][] f;
        try (GradMode.Scope ng = GradMode.noGrad()) {
          f = Predictives.values(learner.predict(hypotheses.get(h), support.x()).value(), "support predictions");
        }
        Predictives.requireSameShape(f, y, "support predictions", "support targets");
        for (int t = 0; t < y.length; t++) {
          double s = 0;
          int count = 0;
          for (int i = 0; i < y[t].length; i++) {
            for (int o = 0; o < y[t][i].length; o++) {
              double d = f[t][i][o] - y[t][i][o];
              s += d * d;
              count++;
            }
          }
          v[h][t] = Math.max(floor, s / count);
        }
      }
      return v;
    };
  }

  /**
   * σ²_{h,t} = exp(−λ) for a parameter λ (a log precision) of each hypothesis, of one value per
   * task (length T) or one value shared by all tasks (length 1).
   */
  static NoiseModel logPrecision(String parameter) {
    if (parameter == null || parameter.isEmpty()) {
      throw new IllegalArgumentException("NoiseModel.logPrecision: parameter name must be given, got " + parameter);
    }
    return (learner, hypotheses, support) -> {
      int tasks = Math.toIntExact(support.tasks());
      double[][] v = new double[hypotheses.size()][tasks];
      for (int h = 0; h < hypotheses.size(); h++) {
        Params p = hypotheses.get(h);
        if (!p.has(parameter)) {
          throw new IllegalArgumentException("NoiseModel.logPrecision: hypothesis " + h + " has no parameter '"
              + parameter + "' (has " + p.names() + ")");
        }
        INDArray a = p.get(parameter).value();
        double[] lam = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        if (lam.length != 1 && lam.length != tasks) {
          throw new IllegalArgumentException("NoiseModel.logPrecision: '" + parameter + "' must hold 1 or " + tasks
              + " values, got shape " + Arrays.toString(a.shape()));
        }
        for (int t = 0; t < tasks; t++) {
          double s2 = Math.exp(-lam[lam.length == 1 ? 0 : t]);
          if (!(s2 > 0 && Double.isFinite(s2))) {
            throw new IllegalArgumentException("NoiseModel.logPrecision: '" + parameter + "' of hypothesis " + h
                + ", task " + t + " gives σ² = " + s2 + " (log precision " + lam[lam.length == 1 ? 0 : t] + ")");
          }
          v[h][t] = s2;
        }
      }
      return v;
    };
  }

  /**
   * The learner's own per-point variance σ²(x) ({@link GaussianOutputs}); {@link Predictives#regression}
   * evaluates it at the query inputs. It has no per-task value, so {@link #variances} refuses.
   */
  static NoiseModel learnerVariance() {
    return LearnerVariance.INSTANCE;
  }

  /** The marker of {@link #learnerVariance()}. */
  final class LearnerVariance implements NoiseModel {
    static final LearnerVariance INSTANCE = new LearnerVariance();

    private LearnerVariance() {}

    @Override
    public double[][] variances(MetaLearner learner, List<Params> hypotheses, Data support) {
      throw new UnsupportedOperationException("NoiseModel.learnerVariance: the variance is per query point, not per "
          + "task; use Predictives.regression");
    }
  }
}
