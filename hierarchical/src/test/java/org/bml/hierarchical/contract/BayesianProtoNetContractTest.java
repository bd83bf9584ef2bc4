package org.bml.hierarchical.contract;

import org.bml.algorithms.BayesianProtoNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for the Bayesian prototypical network (Gaussian class means, learned σ²): a 2-4-3 embedding. */
class BayesianProtoNetContractTest extends ClassificationContract {
  @Override
  protected MetaLearner learner() {
    return new BayesianProtoNet(new Mlp(Activation.TANH, 2, 4, 3), 2.0, 0.5, true);
  }
}
