package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogLikelihood;
import org.bml.inference.PriorFamily;
import org.bml.inference.particles.RbfKernel;
import org.bml.inference.particles.Svgd;

/** {@link InferenceStrategyContract} for Stein variational gradient descent (three particles, median-heuristic kernel). */
class SvgdContractTest extends InferenceStrategyContract {
  @Override
  protected InferenceStrategy strategy() {
    return new Svgd(3, 2, 0.05, RbfKernel.medianHeuristic(), GradientOrder.SECOND, LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0), 0.5, 3);
  }
}
