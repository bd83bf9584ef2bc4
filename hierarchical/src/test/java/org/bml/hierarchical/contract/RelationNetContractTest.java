package org.bml.hierarchical.contract;

import org.bml.algorithms.RelationNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for relation networks (the MLP relation module): a 2-4-3 embedding. */
class RelationNetContractTest extends ClassificationContract {
  @Override
  protected MetaLearner learner() {
    return new RelationNet(new Mlp(Activation.TANH, 2, 4, 3), 3);
  }
}
