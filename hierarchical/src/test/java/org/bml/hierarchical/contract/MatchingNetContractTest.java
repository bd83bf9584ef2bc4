package org.bml.hierarchical.contract;

import org.bml.algorithms.MatchingNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Data;

/** {@link MetaLearnerContract} for matching networks (cosine attention, scale 2): 2-way episodes, 2-d inputs, a 2-4-3 embedding. */
class MatchingNetContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    return new MatchingNet(new Mlp(Activation.TANH, 2, 4, 3), 2.0);
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
