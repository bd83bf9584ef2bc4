package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.hierarchical.composed.Imaml;

/**
 * The learners of {@code org.bml.hierarchical.composed} in the method registry: iMAML
 * (Rajeswaran et al. 2019), ABML (Ravi &amp; Beatson 2019) and VERSA (Gordon et al. 2019). Each
 * takes its own hyperparameters with {@code --hp}; iMAML reads {@code --inner-steps} as its cap
 * on inner steps and {@code --inner-lr} as its step size α.
 */
final class ComposedMethods {
  private static final Set<TaskKind> BOTH = EnumSet.allOf(TaskKind.class);

  private ComposedMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("imaml",
        "implicit MAML: MAP under N(θ, λ⁻¹I) solved to tolerance, meta-gradient by conjugate gradient on "
            + "(I + H/λ) (Rajeswaran et al. 2019); --inner-steps caps the inner solve", BOTH,
        List.of(new Methods.Hyper("lambda", "1", "λ > 0, precision of the prior N(θ, λ⁻¹I)"),
            new Methods.Hyper("tolerance", "1e-4", "inner solve stops when every task's gradient norm is ≤ this"),
            new Methods.Hyper("cg-steps", "5", "conjugate-gradient iterations (≥ 1; the paper's 5)"),
            new Methods.Hyper("cg-tolerance", "1e-10", "CG stops when the residual is ≤ this × ‖∇L_query‖")),
        ComposedMethods::imaml));
  }

  private static Imaml imaml(MethodContext c) {
    Model m = c.predictor();
    return new Imaml(m, c.likelihood(m), new Imaml.Config(c.hp().positive("lambda", false), c.innerLr(),
        c.innerSteps(), c.hp().nonNegative("tolerance"), c.hp().integer("cg-steps", 1),
        c.hp().nonNegative("cg-tolerance")));
  }
}
