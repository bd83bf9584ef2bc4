package org.bml.inference;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * A prior density over per-task parameters, log p(φ), evaluated for parameters that carry a
 * leading axis (tasks, or tasks × particles): one value per entry of that axis, shape {@code [L]},
 * summed over all parameters. Built from the differentiable ops so that gradients reach φ and the
 * prior's own parameters. {@code Prior::logDensity} of the priors module has this contract for
 * priors shared by all tasks, so a method reference adapts one.
 */
@FunctionalInterface
public interface LogPrior {
  Tensor logDensity(Params phi);
}
