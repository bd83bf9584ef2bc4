package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.functional.DeepKernelTransfer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;

/** {@link MetaLearnerContract} for deep kernel transfer (an RBF GP on 1-4-3 tanh features). */
class DeepKernelTransferContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    return new DeepKernelTransfer(new Mlp(Activation.TANH, 1, 4, 3), DeepKernelTransfer.Kernel.RBF, 0.2, 1.0, 1.0);
  }
}
