package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.hierarchical.Llama;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;

/** {@link MetaLearnerContract} for LLAMA (η > 0, K-FAC curvature). */
class LlamaContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    return new Llama(mlp, Likelihood.meanSquaredError(mlp), LogLikelihood.gaussian(mlp, 0.5), 2, 0.1, 0.7, 0.5, 0.1,
        Curvature.KFAC);
  }
}
