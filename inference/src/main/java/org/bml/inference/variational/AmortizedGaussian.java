package org.bml.inference.variational;

import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;

/**
 * Amortized variational inference: q(φ | D, θ) = N(μ, diag σ²) where μ is K gradient steps from θ
 * on the support set (the mean finder, e.g. {@link org.bml.inference.TruncatedGradientDescent}:
 * PLATIPUS's μ_φ = μ_θ − γ ∇ L(μ_θ, D), Finn, Xu & Levine 2018; ABML's SGD-initialised local mean,
 * Ravi & Beatson 2019) and log σ are meta-parameters shared by all tasks.
 *
 * <p>Lifecycle: configured once with the mean finder and the (learnable) log σ; each
 * {@link #infer} runs the mean finder with the given loss and wraps its mode. The posterior is
 * differentiable with respect to θ (to the order the mean finder promises) and to log σ; train both
 * with {@link Elbo} (support) or a query objective.
 */
public final class AmortizedGaussian implements InferenceStrategy {
  private final InferenceStrategy meanFinder;
  private final Params logStd;

  /**
   * @param meanFinder μ from θ and the support set (its posterior's mode)
   * @param logStd log σ per parameter, θ's names and shapes (no task axis); may be variables
   */
  public AmortizedGaussian(InferenceStrategy meanFinder, Params logStd) {
    if (meanFinder == null || logStd == null) {
      throw new IllegalArgumentException("AmortizedGaussian: mean finder and log σ must be given");
    }
    this.meanFinder = meanFinder;
    this.logStd = logStd;
  }

  public Params logStd() {
    return logStd;
  }

  /** N(μ, diag σ²) with μ from the mean finder run on the support set with {@code loss}. */
  @Override
  public DiagonalGaussianPosterior infer(Params theta, Data support, Likelihood loss) {
    try {
      theta.requireSameStructure(logStd);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("AmortizedGaussian: log σ must have θ's names and shapes: " + e.getMessage(), e);
    }
    return new DiagonalGaussianPosterior(meanFinder.infer(theta, support, loss).mode(), logStd);
  }
}
