package org.bml.priors.contract;

import org.bml.priors.GammaPrecisionPrior;
import org.bml.priors.Prior;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link PriorContract} for a Gamma(2, 0.5) prior on precisions, over their logarithms. */
class GammaPrecisionPriorContractTest extends PriorContract {
  @Override
  protected Prior prior() {
    return new GammaPrecisionPrior(2.0, 0.5, shapes(), DataType.DOUBLE);
  }
}
