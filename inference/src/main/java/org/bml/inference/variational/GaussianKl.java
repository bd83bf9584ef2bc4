package org.bml.inference.variational;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.GaussianPrior;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.FactorisedGaussian;

/**
 * Closed-form KL divergences between Gaussians with diagonal covariances,
 *
 * <pre>  KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = ½ Σ [log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1],</pre>
 *
 * computed by the priors module's {@link FactorisedGaussian#klDivergence} (a differentiable op
 * composition: gradients reach both sides' means and log-variances). This class only adapts the
 * inference layer's posterior and prior to it.
 */
public final class GaussianKl {
  private GaussianKl() {}

  /**
   * KL(q ‖ p) per task, {@code [T]}: the prior's tensors either carry the task axis too or are shared
   * by all tasks; its log-variances may be broadcastable (e.g. isotropic scalars).
   *
   * @throws IllegalArgumentException if q and p are over different parameters
   */
  public static Tensor divergence(DiagonalGaussianPosterior q, GaussianPrior p) {
    try {
      q.mean().requireSameNames(p.mean());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GaussianKl: posterior and prior are over different parameters: "
          + e.getMessage(), e);
    }
    return divergence(q, p.asFactorised(q.mean()));
  }

  /** KL(q ‖ p) per task, {@code [T]}, for a factorised Gaussian of the priors module. */
  public static Tensor divergence(DiagonalGaussianPosterior q, FactorisedGaussian p) {
    if (p == null) {
      throw new IllegalArgumentException("GaussianKl: a prior must be given");
    }
    return asFactorisedGaussian(q).klDivergence(p);
  }

  /** q as the priors module's per-task {@link DiagonalGaussian} (log σ² = 2 log σ, broadcast to μ's shapes). */
  public static DiagonalGaussian asFactorisedGaussian(DiagonalGaussianPosterior q) {
    Params logVar = q.mean().mapNamed((n, m) -> Ops.broadcastTo(Ops.mulScalar(q.logStd(n), 2.0), m.shape()));
    return DiagonalGaussian.perTask(q.mean(), logVar);
  }
}
