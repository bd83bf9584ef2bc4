package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogLikelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.laplace.Damping;
import org.bml.inference.laplace.Laplace;
import org.bml.inference.laplace.LaplaceEvidence;

/**
 * {@link MetaObjectiveContract} for LLAMA's Laplace evidence (η = 0.5) on the K-FAC Laplace
 * posterior around two gradient steps: the ½ log det H term is differentiated through the mode.
 */
class LaplaceEvidenceContractTest extends MetaObjectiveContract {
  @Override
  protected MetaObjective objective() {
    return new LaplaceEvidence(0.5);
  }

  @Override
  protected InferenceStrategy strategy() {
    return new Laplace(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND), LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0), Curvature.KFAC, Damping.none());
  }
}
