package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.algorithms.MetaSgd;

/** {@link MetaLearnerContract} for Meta-SGD (learned per-coordinate step sizes). */
class MetaSgdContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new MetaSgd(mlp, Likelihood.meanSquaredError(mlp), 2, 0.1, GradientOrder.SECOND);
  }
}
