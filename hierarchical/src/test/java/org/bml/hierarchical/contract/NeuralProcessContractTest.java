package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.functional.NeuralProcess;

/** {@link MetaLearnerContract} for the conditional neural process (deterministic summary; 1-3-2 encoder, 3-3-1 decoder). */
class NeuralProcessContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    return new NeuralProcess(NeuralProcess.Variant.CONDITIONAL, 1, 1, 2, new int[] {3}, new int[] {3});
  }
}
