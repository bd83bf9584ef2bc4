package org.bml.algorithms;

import org.bml.core.model.Model;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;

/**
 * First-order MAML (Finn, Abbeel & Levine, ICML 2017, arXiv:1703.03400, §5.2): MAML whose
 * meta-gradient treats the inner-loop gradients as constants, i.e. the gradient of the query loss
 * at the adapted parameters, applied to θ. Not a separate method but {@link Maml} with
 * {@link GradientOrder#FIRST}; this factory only names it.
 */
public final class Fomaml {
  private Fomaml() {}

  /** {@code new Maml(model, likelihood, innerSteps, innerStepSize, GradientOrder.FIRST)}. */
  public static Maml create(Model model, Likelihood likelihood, int innerSteps, double innerStepSize) {
    Hyper.nonNull("Fomaml", "model", model);
    Hyper.nonNull("Fomaml", "likelihood", likelihood);
    return new Maml(model, likelihood, innerSteps, innerStepSize, GradientOrder.FIRST);
  }
}
