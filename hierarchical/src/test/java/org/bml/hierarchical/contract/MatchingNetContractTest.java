package org.bml.hierarchical.contract;

import org.bml.algorithms.MatchingNet;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for matching networks (cosine attention, scale 2): a 2-4-3 embedding. */
class MatchingNetContractTest extends ClassificationContract {
  @Override
  protected MetaLearner learner() {
    return new MatchingNet(new Mlp(Activation.TANH, 2, 4, 3), 2.0);
  }
}
