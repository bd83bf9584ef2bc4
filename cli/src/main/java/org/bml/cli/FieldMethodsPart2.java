package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.algorithms.functional.DeepKernelTransfer;
import org.bml.algorithms.functional.DktClassifier;
import org.bml.algorithms.functional.NeuralProcess;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.datasets.TaskKind;

/**
 * Methods of the field beyond MAML and the Bayesian gradient-based learners (issue 16, part 2) in
 * the registry: neural processes, conditional (CNP) and latent (NP) (Garnelo et al. ICML 2018),
 * and deep kernel transfer (DKT; Patacchiola et al. NeurIPS 2020). The neural processes are
 * regression only; DKT also classifies (one GP per class on ±1 targets over Conv-4 features,
 * {@link DktClassifier}). Their
 * adaptation is amortised (NP) or closed form (DKT's GP posterior), so {@code --inner-steps} and
 * {@code --inner-lr} do not apply to them (recorded, unused).
 */
final class FieldMethodsPart2 {
  private static final Set<TaskKind> REGRESSION = EnumSet.of(TaskKind.REGRESSION);
  private static final Set<TaskKind> BOTH = EnumSet.allOf(TaskKind.class);

  private FieldMethodsPart2() {}

  static void registerAll() {
    Methods.register(new Methods.Method("cnp",
        "conditional neural process: mean-pooled set encoder, Gaussian decoder N(μ(x), σ²(x)) (Garnelo et al. "
            + "ICML 2018)", REGRESSION, npHypers("width of the representation r"),
        c -> neuralProcess(c, NeuralProcess.Variant.CONDITIONAL)));
    Methods.register(new Methods.Method("np",
        "latent neural process: global latent z ~ q(z | context), ELBO with q(z | context ∪ target) "
            + "(Garnelo et al. 2018, \"Neural Processes\")", REGRESSION, npHypers("width of the latent z"),
        c -> neuralProcess(c, NeuralProcess.Variant.LATENT)));
    registerDkt();
  }

  private static void registerDkt() {
    Methods.register(new Methods.Method("dkt",
        "deep kernel transfer: GP with a deep kernel, log marginal likelihood of the whole episode as meta-objective, "
            + "exact posterior per task; regression: MLP features; classification: one GP per class on ±1 targets, "
            + "shared kernel on Conv-4 features, softmax of the posterior means / τ (Patacchiola et al. NeurIPS 2020)",
        BOTH,
        List.of(new Methods.Hyper("kernel", "auto",
                "kernel on the features: rbf or linear, and cosine for classification (auto: rbf for regression, "
                    + "cosine for classification)"),
            new Methods.Hyper("feature-hidden", "40,40",
                "regression: widths of the ReLU feature network φ, comma-separated; the last is the feature dimension "
                    + "(classification uses Conv-4's body)"),
            new Methods.Hyper("noise-variance", "0.1", "initial σ² > 0 of the observation noise (learned)"),
            new Methods.Hyper("outputscale", "1", "initial s² > 0 of the kernel (learned)"),
            new Methods.Hyper("lengthscale", "1", "initial ℓ > 0 of the rbf kernel (learned)"),
            new Methods.Hyper("temperature", "1",
                "classification: τ > 0 of the predictive softmax(μ / τ) over the classes' posterior means (not "
                    + "learned; the paper classifies by argmax μ, which τ does not change)")),
        FieldMethodsPart2::dkt));
  }

  private static org.bml.algorithms.MetaLearner dkt(MethodContext c) {
    String k = c.hp().choice("kernel", "auto", "rbf", "linear", "cosine");
    double noise = c.hp().positive("noise-variance", false);
    double scale = c.hp().positive("outputscale", false);
    double length = c.hp().positive("lengthscale", false);
    double temperature = c.hp().positive("temperature", false);
    if (!c.regression()) {
      DktClassifier.Kernel kernel = switch (k) {
        case "rbf" -> DktClassifier.Kernel.RBF;
        case "linear" -> DktClassifier.Kernel.LINEAR;
        default -> DktClassifier.Kernel.COSINE;
      };
      return new DktClassifier(c.embedding(), kernel, noise, scale, length, temperature);
    }
    if (k.equals("cosine")) {
      throw new BadInputException("--hp kernel=cosine: method dkt takes the cosine kernel for classification only; "
          + "regression takes rbf or linear");
    }
    DeepKernelTransfer.Kernel kernel = k.equals("linear") ? DeepKernelTransfer.Kernel.LINEAR
        : DeepKernelTransfer.Kernel.RBF;
    int[] hidden = widths(c, "feature-hidden");
    if (hidden.length == 0) {
      throw new BadInputException("--hp feature-hidden=none: dkt needs at least one feature layer (method dkt)");
    }
    int[] w = new int[hidden.length + 1];
    w[0] = Math.toIntExact(c.inputShape()[0]);
    System.arraycopy(hidden, 0, w, 1, hidden.length);
    return new DeepKernelTransfer(new Mlp(Activation.RELU, w), kernel, noise, scale, length);
  }

  private static List<Methods.Hyper> npHypers(String summary) {
    return List.of(new Methods.Hyper("summary-dim", "128", summary + " (≥ 1)"),
        new Methods.Hyper("encoder-hidden", "128,128,128",
            "hidden widths of the set encoder h, comma-separated (none: linear)"),
        new Methods.Hyper("decoder-hidden", "128,128", "hidden widths of the decoder g, comma-separated (none: linear)"));
  }

  private static NeuralProcess neuralProcess(MethodContext c, NeuralProcess.Variant variant) {
    if (!c.regression()) {
      throw new BadInputException("method " + c.method() + " handles regression data sets only");
    }
    return new NeuralProcess(variant, Math.toIntExact(c.inputShape()[0]), 1, c.hp().integer("summary-dim", 1),
        widths(c, "encoder-hidden"), widths(c, "decoder-hidden"));
  }

  /** A comma-separated list of widths ≥ 1, or {@code none} for no hidden layer. */
  static int[] widths(MethodContext c, String name) {
    String s = c.hp().string(name).trim();
    if (s.equals("none")) {
      return new int[0];
    }
    String[] parts = s.split(",");
    int[] w = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        w[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new BadInputException("--hp " + name + "=" + s + ": expected comma-separated widths or none (method "
            + c.method() + ")");
      }
      if (w[i] < 1) {
        throw new BadInputException("--hp " + name + "=" + s + ": widths must be >= 1 (method " + c.method() + ")");
      }
    }
    return w;
  }
}
