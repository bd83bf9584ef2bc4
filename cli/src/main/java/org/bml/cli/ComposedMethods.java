package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.algorithms.Conv4Embedding;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.hierarchical.composed.Abml;
import org.bml.hierarchical.composed.Imaml;
import org.bml.hierarchical.composed.Versa;

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
    Methods.register(new Methods.Method("abml",
        "ABML: amortized Gaussian posteriors by gradient steps on the support ELBO from the prior N(μ_θ, σ²_θ), "
            + "hyper-prior on θ (Ravi & Beatson 2019)", BOTH,
        List.of(new Methods.Hyper("kl-weight", "0.1", "β_KL ≥ 0 of KL(q ‖ p(φ | θ)) per support point"),
            new Methods.Hyper("prior-variance", "1e-4", "initial σ²_θ > 0 of every entry"),
            new Methods.Hyper("samples", "1", "S ≥ 1 reparameterised samples per expectation (training)"),
            new Methods.Hyper("inverse-temperature", "1",
                "β > 0 of the Gibbs likelihood exp(−β n loss) (1: cross-entropy exact, squared error with noise variance ½)"),
            new Methods.Hyper("hyper-prior-weight", "1e-4", "w ≥ 0 of −log p(θ), p = N(μ; 0, I) · Gamma(1/σ²; a, b)"),
            new Methods.Hyper("gamma-a", "1", "shape a > 0 of the Gamma hyper-prior on 1/σ²_θ"),
            new Methods.Hyper("gamma-b", "0.01", "rate b > 0 of it"),
            new Methods.Hyper("order", "second", "meta-gradient through the inner steps: second or first")),
        ComposedMethods::abml));
    Methods.register(new Methods.Method("versa",
        "VERSA: amortized Gaussian posterior over the linear head (classification: per class, from the mean "
            + "features of that class's support examples; regression: a set encoder on (features, target) pairs), "
            + "no inner gradient steps, ML-PIP objective (Gordon et al. 2019); body MLP d-40-40 or Conv-4",
        BOTH,
        List.of(new Methods.Hyper("hidden", "64", "hidden width of the set encoder and decoder MLPs, or of the per-class MLP (≥ 1)"),
            new Methods.Hyper("summary", "64", "width of the pooled task summary (≥ 1; regression)"),
            new Methods.Hyper("log-std-offset", "-3", "c added to the amortized log σ (a narrow start)"),
            new Methods.Hyper("samples", "5", "L ≥ 1 head samples per task in the training objective"),
            new Methods.Hyper("noise-std", "0.3", "σ > 0 of the Gaussian likelihood (regression)")),
        ComposedMethods::versa));
  }

  private static Versa versa(MethodContext c) {
    int hidden = c.hp().integer("hidden", 1);
    int summary = c.hp().integer("summary", 1);
    double offset = c.hp().real("log-std-offset", false);
    int samples = c.hp().integer("samples", 1);
    double noise = c.hp().positive("noise-std", false);
    if (c.regression()) {
      int d = Math.toIntExact(c.inputShape()[0]);
      int[] widths = new int[MethodContext.MLP_HIDDEN.length + 1];
      widths[0] = d;
      System.arraycopy(MethodContext.MLP_HIDDEN, 0, widths, 1, MethodContext.MLP_HIDDEN.length);
      int features = widths[widths.length - 1];
      return new Versa(new Mlp(Activation.RELU, widths), true, features, 1, hidden, summary, offset,
          Versa.Output.REGRESSION, noise, samples);
    }
    Conv4Embedding body = (Conv4Embedding) c.embedding();
    return new Versa(body, false, Math.toIntExact(body.embeddingSize()), c.ways(), hidden, summary, offset,
        Versa.Output.CLASSIFICATION, noise, samples);
  }

  private static Abml abml(MethodContext c) {
    Model m = c.predictor();
    return new Abml(m, c.likelihood(m), new Abml.Config(c.innerSteps(), c.innerLr(), c.hp().nonNegative("kl-weight"),
        c.hp().positive("prior-variance", false), c.hp().integer("samples", 1),
        c.hp().positive("inverse-temperature", false), c.hp().nonNegative("hyper-prior-weight"),
        c.hp().positive("gamma-a", false), c.hp().positive("gamma-b", false), c.gradientOrder()));
  }

  private static Imaml imaml(MethodContext c) {
    Model m = c.predictor();
    return new Imaml(m, c.likelihood(m), new Imaml.Config(c.hp().positive("lambda", false), c.innerLr(),
        c.innerSteps(), c.hp().nonNegative("tolerance"), c.hp().integer("cg-steps", 1),
        c.hp().nonNegative("cg-tolerance")));
  }
}
