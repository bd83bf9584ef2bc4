package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.hierarchical.MrMamlActivations;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.regularizers.StochasticBottleneck;

/** {@link MetaLearnerContract} for MR-MAML(A) (stochastic bottleneck; a chunk draws its own activation noise). */
class MrMamlActivationsContractTest extends PerChunkNoiseContract {
  @Override
  protected MetaLearner learner() {
    StochasticBottleneck net = new StochasticBottleneck(new Mlp(Activation.TANH, 1, 4, 4),
        new Mlp(Activation.TANH, 2, 3, 1), 2);
    return MrMamlActivations.create(net, Likelihood::meanSquaredError, 0.5, 2, 0.1, GradientOrder.SECOND);
  }
}
