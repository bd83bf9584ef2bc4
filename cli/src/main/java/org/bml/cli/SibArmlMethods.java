package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.relational.Arml;
import org.bml.algorithms.transductive.Sib;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.datasets.synthetic.SineLineQuadraticTasks;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * SIB (Hu et al. ICLR 2020) and ARML (Yao et al. ICLR 2020) in the method registry (issue 16), and
 * the heterogeneous regression mixture {@code sine-line-quadratic} in the data-set registry.
 * SIB's refinement is transductive and takes {@code --hp sg-steps} steps, so {@code --inner-steps}
 * and {@code --inner-lr} do not apply to it (recorded, unused); ARML uses them as MAML does.
 */
final class SibArmlMethods {
  private SibArmlMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("sib",
        "SIB: Gaussian posterior over a prototype-initialised linear classifier, refined by a synthetic-gradient "
            + "network on the query inputs (Hu et al. ICLR 2020)", EnumSet.of(TaskKind.CLASSIFICATION),
        List.of(new Methods.Hyper("sg-steps", "3", "K >= 0 synthetic-gradient refinement steps (0: the base classifier)"),
            new Methods.Hyper("sg-lr", "1", "step size η > 0 of the refinement"),
            new Methods.Hyper("sg-hidden", "32", "hidden width >= 1 of the synthetic-gradient network"),
            new Methods.Hyper("posterior-std", "0.01", "initial σ > 0 of the weight posterior (learned)"),
            new Methods.Hyper("samples", "1", "S >= 0 posterior draws in the meta-loss (0: the mean)")),
        SibArmlMethods::sib));
    Methods.register(new Methods.Method("arml",
        "ARML: prototypes query a learned meta-knowledge graph; the task representation gates MAML's "
            + "initialisation, then MAML's inner loop (Yao et al. ICLR 2020)", EnumSet.of(TaskKind.REGRESSION),
        List.of(new Methods.Hyper("order", "second", "meta-gradient through the inner loop: second or first"),
            new Methods.Hyper("width", "16", "width >= 1 of the prototypes and graph vertices"),
            new Methods.Hyper("vertices", "8", "number >= 1 of meta-knowledge graph vertices"),
            new Methods.Hyper("gate-bias", "3", "initial bias b of the gate σ(W r + b) (finite)")),
        SibArmlMethods::arml));
  }

  /** Adds {@code sine-line-quadratic} (one line in {@link Datasets}' static block calls this). */
  static void registerDatasets() {
    Datasets.register(new Datasets.Dataset("sine-line-quadratic",
        "heterogeneous regression: sine, line or quadratic per task, noise 0.3 (ARML/HSML-style mixture)",
        TaskKind.REGRESSION, new long[] {1}, new Datasets.Defaults(1, 10, 10, 0.01, 25, 4000), 0, (e, s, seed) -> {
          SineLineQuadraticTasks t = new SineLineQuadraticTasks(e.shots(), e.queries(),
              SineLineQuadraticTasks.DEFAULT_NOISE_STD, DataType.FLOAT);
          return new Datasets.TaskSet(t, Map.of("train", t, "val", t, "test", t));
        }));
  }

  private static Sib sib(MethodContext c) {
    if (c.regression()) {
      throw new BadInputException("method sib handles classification data sets only");
    }
    return new Sib(c.embedding(), c.ways(), c.hp().integer("sg-steps", 0), c.hp().positive("sg-lr", false),
        c.hp().integer("sg-hidden", 1), c.hp().positive("posterior-std", false), c.hp().integer("samples", 0));
  }

  private static Arml arml(MethodContext c) {
    if (!c.regression()) {
      throw new BadInputException("method arml handles regression data sets only");
    }
    Model m = c.predictor();
    return new Arml(m, c.likelihood(m), c.innerSteps(), c.innerLr(), c.gradientOrder(),
        Math.toIntExact(c.inputShape()[0]), c.hp().integer("width", 1), c.hp().integer("vertices", 1),
        c.hp().real("gate-bias", false));
  }
}
