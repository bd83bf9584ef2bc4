package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogJointAscent;
import org.bml.inference.LogLikelihood;
import org.bml.inference.PriorFamily;

/** {@link InferenceStrategyContract} for MAP by log-joint ascent under an isotropic Gaussian prior. */
class LogJointAscentContractTest extends InferenceStrategyContract {
  @Override
  protected InferenceStrategy strategy() {
    return new LogJointAscent(2, 0.05, GradientOrder.SECOND, LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0));
  }
}
