package org.bml.inference;

import java.util.function.Function;
import org.bml.core.model.Params;
import org.bml.priors.IsotropicGaussian;
import org.bml.priors.Prior;

/**
 * The conditional prior p(φ | θ) of the hierarchy: meta-parameters θ (no task axis) to a
 * {@link LogPrior} over task parameters. The strategies call it once per {@code infer}. The
 * Gaussians are the priors module's ({@link org.bml.priors.FactorisedGaussian}); this interface
 * only ties them to θ.
 */
@FunctionalInterface
public interface PriorFamily {
  LogPrior given(Params theta);

  /**
   * φ ~ N(θ, diag exp(log σ²)): the prior mean is θ itself, the log-variances (same names and shapes
   * as θ) may be learnable variables. See {@link GaussianPrior}.
   */
  static PriorFamily gaussian(Params logVariance) {
    if (logVariance == null) {
      throw new IllegalArgumentException("PriorFamily.gaussian: log-variances must be given");
    }
    return theta -> new GaussianPrior(theta, logVariance);
  }

  /** φ ~ N(θ, σ² I) with one fixed variance σ² > 0. */
  static PriorFamily isotropic(double variance) {
    if (!(variance > 0) || !Double.isFinite(variance)) {
      throw new IllegalArgumentException("PriorFamily.isotropic: variance must be positive and finite, got " + variance);
    }
    return theta -> IsotropicGaussian.of(theta, variance)::logDensity;
  }

  /**
   * p(φ | θ) from any prior of the priors module built from θ (e.g. {@code θ -> new
   * DiagonalGaussian(θ, logVar)}); its log density of per-task φ is one value per task.
   */
  static PriorFamily of(Function<Params, ? extends Prior> prior) {
    if (prior == null) {
      throw new IllegalArgumentException("PriorFamily.of: a prior constructor must be given");
    }
    return theta -> prior.apply(theta)::logDensity;
  }
}
