package org.bml.inference;

import org.bml.core.model.Params;

/**
 * Turns meta-parameters θ (shared by all tasks) and a batch of support sets into task
 * posteriors. If θ's tensors require gradients, the posterior is differentiable with respect to
 * them to the order the strategy promises (see each implementation).
 */
@FunctionalInterface
public interface InferenceStrategy {
  TaskPosterior infer(Params theta, Data support, Likelihood likelihood);
}
