package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.ProtoNet;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for Prototypical Networks (2-way, 2-d inputs, a 2-4-3 embedding). */
class ProtoNetContractTest extends ClassificationContract {
  @Override
  protected MetaLearner learner() {
    return new ProtoNet(new Mlp(Activation.TANH, 2, 4, 3));
  }
}
