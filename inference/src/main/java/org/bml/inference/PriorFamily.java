package org.bml.inference;

import org.bml.core.model.Params;

/**
 * The conditional prior p(φ | θ) of the hierarchy: meta-parameters θ (no task axis) to a
 * {@link LogPrior} over task parameters. The strategies call it once per {@code infer}.
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
    return theta -> GaussianPrior.isotropic(theta, variance);
  }
}
