package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogLikelihood;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.laplace.Damping;
import org.bml.inference.laplace.Laplace;

/** {@link InferenceStrategyContract} for the Laplace approximation (K-FAC) around a gradient-descent mode. */
class LaplaceContractTest extends InferenceStrategyContract {
  @Override
  protected InferenceStrategy strategy() {
    return new Laplace(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND), LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0), Curvature.KFAC, Damping.none());
  }
}
