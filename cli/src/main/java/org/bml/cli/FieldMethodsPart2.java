package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.algorithms.functional.DeepKernelTransfer;
import org.bml.algorithms.functional.NeuralProcess;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.datasets.TaskKind;

/**
 * Methods of the field beyond MAML and the Bayesian gradient-based learners (issue 16, part 2) in
 * the registry: neural processes, conditional (CNP) and latent (NP) (Garnelo et al. ICML 2018),
 * and deep kernel transfer (DKT; Patacchiola et al. NeurIPS 2020). Regression only. Their
 * adaptation is amortised (NP) or closed form (DKT's GP posterior), so {@code --inner-steps} and
 * {@code --inner-lr} do not apply to them (recorded, unused).
 */
final class FieldMethodsPart2 {
  private static final Set<TaskKind> REGRESSION = EnumSet.of(TaskKind.REGRESSION);

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
        "deep kernel transfer: GP with a deep kernel, log marginal likelihood as meta-objective, exact posterior "
            + "per task (Patacchiola et al. NeurIPS 2020)", REGRESSION,
        List.of(new Methods.Hyper("kernel", "rbf", "kernel on the features: rbf or linear"),
            new Methods.Hyper("feature-hidden", "40,40",
                "widths of the ReLU feature network φ, comma-separated; the last is the feature dimension"),
            new Methods.Hyper("noise-variance", "0.1", "initial σ² > 0 of the observation noise (learned)"),
            new Methods.Hyper("outputscale", "1", "initial s² > 0 of the kernel (learned)"),
            new Methods.Hyper("lengthscale", "1", "initial ℓ > 0 of the rbf kernel (learned)")),
        FieldMethodsPart2::dkt));
  }

  private static DeepKernelTransfer dkt(MethodContext c) {
    if (!c.regression()) {
      throw new BadInputException("method " + c.method() + " handles regression data sets only");
    }
    DeepKernelTransfer.Kernel kernel = c.hp().choice("kernel", "rbf", "linear").equals("rbf")
        ? DeepKernelTransfer.Kernel.RBF : DeepKernelTransfer.Kernel.LINEAR;
    int[] hidden = widths(c, "feature-hidden");
    if (hidden.length == 0) {
      throw new BadInputException("--hp feature-hidden=none: dkt needs at least one feature layer (method dkt)");
    }
    int[] w = new int[hidden.length + 1];
    w[0] = Math.toIntExact(c.inputShape()[0]);
    System.arraycopy(hidden, 0, w, 1, hidden.length);
    return new DeepKernelTransfer(new Mlp(Activation.RELU, w), kernel, c.hp().positive("noise-variance", false),
        c.hp().positive("outputscale", false), c.hp().positive("lengthscale", false));
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
