package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.Reptile;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Likelihood;

/** {@link MetaLearnerContract} for Reptile (its meta-loss is a surrogate whose gradient is θ − φ, by design). */
class ReptileContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new Reptile(mlp, Likelihood.meanSquaredError(mlp), 2, 0.1);
  }

  @Override
  protected boolean exactMetaGradient() {
    return false;
  }
}
