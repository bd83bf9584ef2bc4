package org.bml.hierarchical.contract;

import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.hierarchical.MrMamlWeights;

/** {@link MetaLearnerContract} for MR-MAML(W) (the θ sample and KL are shared by the meta-batch). */
class MrMamlWeightsContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 3, 1);
    return MrMamlWeights.create(mlp, Likelihood.meanSquaredError(mlp), List.of(Mlp.weight(2), Mlp.biasName(2)), 0.05,
        -1.5, 2, 0.2, GradientOrder.SECOND);
  }

  @Override
  protected boolean stochastic() {
    return true;
  }
}
