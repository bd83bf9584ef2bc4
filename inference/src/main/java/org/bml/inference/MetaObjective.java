package org.bml.inference;

import java.util.List;
import java.util.function.Supplier;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * Scores task posteriors on query sets: the scalar loss that trains θ. The family the learners
 * are built from: the query loss at the mode (MAML), the expected query loss over the posterior's
 * hypotheses (BMAML's non-chaser objective, an ensemble's), either plus β·KL(q ‖ p) (PLATIPUS) or
 * plus a meta-regulariser's term (MR-MAML); the chaser distance ({@code particles.ChaserDistance},
 * BMAML) and the Laplace evidence ({@code laplace.LaplaceEvidence}, LLAMA) are the others.
 */
@FunctionalInterface
public interface MetaObjective {
  Tensor loss(TaskPosterior posterior, Data query, Likelihood likelihood);

  /** Mean over tasks of the query loss at the posterior's mode (MAML's objective). */
  static MetaObjective queryLossAtMode() {
    return (q, d, lik) -> Ops.mean(lik.perTask(q.mode(), d), false);
  }

  /**
   * Mean over the posterior's hypotheses ({@link TaskPosterior#hypotheses}: every particle of a
   * particle posterior, else {@code samples} draws from {@code seed}) of the mean query loss.
   */
  static MetaObjective expectedQueryLoss(int samples, long seed) {
    if (samples < 1) {
      throw new IllegalArgumentException("MetaObjective.expectedQueryLoss: samples must be >= 1, got " + samples);
    }
    return (q, d, lik) -> {
      List<Params> hypotheses = q.hypotheses(samples, seed);
      Tensor total = null;
      for (Params p : hypotheses) {
        Tensor l = Ops.mean(lik.perTask(p, d), false);
        total = total == null ? l : Ops.add(total, l);
      }
      return hypotheses.size() == 1 ? total : Ops.mulScalar(total, 1.0 / hypotheses.size());
    };
  }

  /**
   * This objective + β · mean_t KL_t(q ‖ p), the per-task KL {@code [T]} of the batch being scored
   * computed after this objective's loss (PLATIPUS: the KL of θ's posterior given the query set to
   * its prior given the support set).
   */
  default MetaObjective plusKl(double beta, Supplier<Tensor> klPerTask) {
    if (!(beta >= 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("MetaObjective.plusKl: β must be finite and >= 0, got " + beta);
    }
    if (klPerTask == null) {
      throw new IllegalArgumentException("MetaObjective.plusKl: the KL must be given");
    }
    return (q, d, lik) -> {
      Tensor loss = loss(q, d, lik);
      Tensor kl = klPerTask.get();
      if (kl.shape().length != 1) {
        throw new IllegalArgumentException("MetaObjective.plusKl: the KL must be one value per task, shape [T], got "
            + java.util.Arrays.toString(kl.shape()));
      }
      return Ops.add(loss, Ops.mulScalar(Ops.mean(kl, false), beta));
    };
  }

  /**
   * This objective + a scalar shared by the batch (a meta-regulariser's weighted penalty, e.g. β·KL
   * on θ), computed after this objective's loss.
   */
  default MetaObjective plus(Supplier<Tensor> sharedTerm) {
    if (sharedTerm == null) {
      throw new IllegalArgumentException("MetaObjective.plus: the shared term must be given");
    }
    return (q, d, lik) -> {
      Tensor loss = loss(q, d, lik);
      Tensor term = sharedTerm.get();
      if (term.shape().length != 0) {
        throw new IllegalArgumentException("MetaObjective.plus: the shared term must be a scalar, got shape "
            + java.util.Arrays.toString(term.shape()));
      }
      return Ops.add(loss, term);
    };
  }
}
