package org.bml.inference.variational;

import java.util.Arrays;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GaussianPrior;
import org.bml.inference.LogLikelihood;
import org.bml.inference.TaskPosterior;
import org.bml.priors.FactorisedGaussian;

/**
 * The evidence lower bound ELBO(q) = E_q[log p(D | φ)] − KL(q ‖ p) ≤ log p(D) (Kingma & Welling 2014;
 * per task in PLATIPUS and ABML), estimated with S reparameterised samples of fixed seeds and the
 * closed-form KL, so the estimate is a deterministic, differentiable function of q's and p's
 * parameters: its gradient is {@code Autodiff.grad} of it.
 */
public final class Elbo {
  private Elbo() {}

  /**
   * (1/S) Σ_s log p(D | φ_s) − KL(q ‖ p) per task, {@code [T]}, φ_s = {@code q.sample(S, seed).get(s)}.
   *
   * @throws IllegalArgumentException if samples &lt; 1
   */
  public static Tensor estimate(DiagonalGaussianPosterior q, GaussianPrior prior, LogLikelihood logLikelihood,
      Data data, int samples, long seed) {
    if (prior == null) {
      throw new IllegalArgumentException("Elbo.estimate: a prior must be given");
    }
    return Ops.sub(expectedLogLikelihood(q, logLikelihood, data, samples, seed), q.klTo(prior));
  }

  /** The same with a factorised Gaussian prior of the priors module (shared or per task). */
  public static Tensor estimate(DiagonalGaussianPosterior q, FactorisedGaussian prior, LogLikelihood logLikelihood,
      Data data, int samples, long seed) {
    if (prior == null) {
      throw new IllegalArgumentException("Elbo.estimate: a prior must be given");
    }
    return Ops.sub(expectedLogLikelihood(q, logLikelihood, data, samples, seed), q.klTo(prior));
  }

  /** (1/S) Σ_s log p(D | φ_s) per task, {@code [T]}, with φ_s = {@code q.sample(S, seed).get(s)}. */
  public static Tensor expectedLogLikelihood(TaskPosterior q, LogLikelihood logLikelihood, Data data, int samples,
      long seed) {
    if (samples < 1) {
      throw new IllegalArgumentException("Elbo: need at least one sample, got " + samples);
    }
    if (q == null || logLikelihood == null || data == null) {
      throw new IllegalArgumentException("Elbo: posterior, log-likelihood and data must be given");
    }
    List<Params> draws = q.sample(samples, seed);
    Tensor total = null;
    for (Params phi : draws) {
      Tensor ll = logLikelihood.perTask(phi, data);
      if (ll.rank() != 1 || ll.size(0) != data.tasks()) {
        throw new IllegalArgumentException("Elbo: log-likelihood must have shape [" + data.tasks() + "], got "
            + Arrays.toString(ll.shape()));
      }
      total = total == null ? ll : Ops.add(total, ll);
    }
    return Ops.mulScalar(total, 1.0 / samples);
  }
}
