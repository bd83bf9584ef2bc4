package org.bml.algorithms.predictive;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * A learner whose task hypotheses each predict a Gaussian per point, N(μ(x), σ²(x)): its
 * {@link org.bml.algorithms.MetaLearner#predict} gives μ, this gives σ². Neural processes and
 * Gaussian processes are such learners; their predictive needs no external noise model
 * ({@link NoiseModel#learnerVariance()}).
 */
public interface GaussianOutputs {
  /** σ²(x) {@code [T, n, out]} of a hypothesis at inputs {@code x [T, n, ...]}, finite and > 0. */
  Tensor outputVariance(Params hypothesis, Tensor x);
}
