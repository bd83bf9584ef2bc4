package org.bml.priors.contract;

import org.bml.priors.Prior;
import org.bml.priors.StandardNormal;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link PriorContract} for N(0, I). */
class StandardNormalContractTest extends PriorContract {
  @Override
  protected Prior prior() {
    return new StandardNormal(shapes(), DataType.DOUBLE);
  }
}
