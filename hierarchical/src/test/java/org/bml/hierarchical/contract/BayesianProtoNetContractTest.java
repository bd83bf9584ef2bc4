package org.bml.hierarchical.contract;

import org.bml.algorithms.BayesianProtoNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Data;

/** {@link MetaLearnerContract} for the Bayesian prototypical network (Gaussian class means, learned σ²): 2-way episodes, 2-d inputs, a 2-4-3 embedding. */
class BayesianProtoNetContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    return new BayesianProtoNet(new Mlp(Activation.TANH, 2, 4, 3), 2.0, 0.5, true);
  }

  @Override
  protected Data support() {
    return ClassificationData.classes(31, TASKS, 4);
  }

  @Override
  protected Data query() {
    return ClassificationData.classes(33, TASKS, 3);
  }
}
