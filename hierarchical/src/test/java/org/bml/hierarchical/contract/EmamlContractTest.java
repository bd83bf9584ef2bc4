package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.hierarchical.BmamlEnsemble;
import org.bml.hierarchical.Emaml;

/** {@link MetaLearnerContract} for EMAML (an ensemble of two). */
class EmamlContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new Emaml(mlp, Likelihood.meanSquaredError(mlp), BmamlEnsemble.Output.REGRESSION, 2, 2, 0.1,
        GradientOrder.SECOND);
  }
}
