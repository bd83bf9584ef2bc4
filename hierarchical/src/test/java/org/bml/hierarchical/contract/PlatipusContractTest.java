package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.hierarchical.Platipus;

/** {@link MetaLearnerContract} for PLATIPUS (a chunk draws its own θ noise, by design). */
class PlatipusContractTest extends PerChunkNoiseContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new Platipus(mlp, Likelihood.meanSquaredError(mlp), new Platipus.Config(2, 0.1, 0.1, 0.5, 0.5, 0.05, 0.05,
        GradientOrder.SECOND, false));
  }
}
