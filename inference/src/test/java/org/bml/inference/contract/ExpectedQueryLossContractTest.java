package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogLikelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PriorFamily;
import org.bml.inference.particles.RbfKernel;
import org.bml.inference.particles.Svgd;

/**
 * {@link MetaObjectiveContract} for the expected query loss over posterior hypotheses, on SVGD's
 * particle posterior (three particles: the expectation is over all of them, so it is exact and
 * seed-free).
 */
class ExpectedQueryLossContractTest extends MetaObjectiveContract {
  @Override
  protected MetaObjective objective() {
    return MetaObjective.expectedQueryLoss(2, 9);
  }

  @Override
  protected InferenceStrategy strategy() {
    return new Svgd(3, 2, 0.05, RbfKernel.medianHeuristic(), GradientOrder.SECOND, LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0), 0.5, 3);
  }
}
