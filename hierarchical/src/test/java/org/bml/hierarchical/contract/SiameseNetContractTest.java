package org.bml.hierarchical.contract;

import org.bml.algorithms.SiameseNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for Siamese networks (weighted L1 pair scores): a 2-4-3 embedding. */
class SiameseNetContractTest extends ClassificationContract {
  @Override
  protected MetaLearner learner() {
    return new SiameseNet(new Mlp(Activation.TANH, 2, 4, 3), 3);
  }
}
