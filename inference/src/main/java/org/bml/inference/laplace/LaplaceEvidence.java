package org.bml.inference.laplace;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TaskPosterior;

/**
 * LLAMA's meta-objective (Grant, Finn, Levine, Darrell &amp; Griffiths, ICLR 2018, arXiv:1801.08930,
 * eq. 4): the Laplace approximation of −log p(D_query | θ) per task, mean over tasks of
 * L_query(φ̂) + η · ½ log det H(φ̂), with H the posterior precision at the mode. η = 0 is MAML's
 * query loss at the mode; η = 1 is the evidence itself (up to constants).
 */
public final class LaplaceEvidence implements MetaObjective {
  private static final MetaObjective AT_MODE = MetaObjective.queryLossAtMode();
  private final double eta;

  /** @param eta η ≥ 0, the weight of the log-determinant term */
  public LaplaceEvidence(double eta) {
    if (!(eta >= 0) || !Double.isFinite(eta)) {
      throw new IllegalArgumentException("LaplaceEvidence: η must be finite and >= 0, got " + eta);
    }
    this.eta = eta;
  }

  public double eta() {
    return eta;
  }

  @Override
  public Tensor loss(TaskPosterior posterior, Data query, Likelihood likelihood) {
    if (!(posterior instanceof LaplacePosterior q)) {
      throw new IllegalArgumentException("LaplaceEvidence: needs a Laplace posterior, got "
          + (posterior == null ? "null" : posterior.getClass().getSimpleName()));
    }
    Tensor queryLoss = AT_MODE.loss(q, query, likelihood);
    return Ops.add(queryLoss, Ops.mulScalar(Ops.mean(q.logDet(), false), 0.5 * eta));
  }
}
