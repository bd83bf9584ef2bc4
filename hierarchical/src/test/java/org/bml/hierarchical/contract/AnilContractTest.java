package org.bml.hierarchical.contract;

import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.algorithms.Anil;

/** {@link MetaLearnerContract} for ANIL (last layer adapted). */
class AnilContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new Anil(mlp, Likelihood.meanSquaredError(mlp), List.of(Mlp.weight(1), Mlp.biasName(1)), 2, 0.1,
        GradientOrder.SECOND);
  }
}
