package org.bml.hierarchical.contract;

import org.bml.algorithms.Fomaml;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Likelihood;

/** {@link MetaLearnerContract} for first-order MAML (its meta-gradient drops the Hessian term by design). */
class FomamlContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return Fomaml.create(mlp, Likelihood.meanSquaredError(mlp), 2, 0.1);
  }

  @Override
  protected boolean exactMetaGradient() {
    return false;
  }
}
