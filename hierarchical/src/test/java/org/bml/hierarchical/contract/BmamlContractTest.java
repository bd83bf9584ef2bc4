package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.hierarchical.Bmaml;
import org.bml.hierarchical.BmamlPosterior;
import org.bml.inference.GradientOrder;
import org.bml.inference.particles.RbfKernel;

/** {@link MetaLearnerContract} for BMAML (two particles, Gamma priors, the query-loss objective: the chaser's leader is a stopped gradient by design). */
class BmamlContractTest extends MetaLearnerContract {
  @Override
  protected MetaLearner learner() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    return new Bmaml(BmamlPosterior.gaussianRegression(mlp, 2.0, 0.5, 2.0, 0.5), new Bmaml.Config(2, 2, 0.01, 0,
        RbfKernel.medianHeuristic(), Bmaml.Objective.QUERY_LOSS, GradientOrder.SECOND));
  }
}
