package org.bml.hierarchical.contract;

import org.bml.algorithms.SiameseNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Data;

/** {@link MetaLearnerContract} for Siamese networks (weighted L1 pair scores): 2-way episodes, 2-d inputs, a 2-4-3 embedding. */
class SiameseNetContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    return new SiameseNet(new Mlp(Activation.TANH, 2, 4, 3), 3);
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
