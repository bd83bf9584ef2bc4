package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Params;
import org.bml.datasets.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The method registry: every entry builds for the task kinds it declares, and regression methods train via the CLI. */
class MethodsTest {
  @Test
  void everyMethodBuildsForItsKinds() {
    // The core methods first, in this order; further registration files (field methods) append theirs.
    assertEquals(List.of("maml", "fomaml", "reptile", "anil", "meta-sgd", "protonet", "matching", "bayes-protonet",
        "llama", "platipus", "bmaml", "emaml"), Methods.names().subList(0, 12));
    assertTrue(Methods.names().containsAll(List.of("relation", "siamese", "cnp", "np", "dkt", "meta-lstm")), Methods.names().toString());
    for (String name : Methods.names()) {
      Methods.Method m = Methods.get(name);
      for (TaskKind kind : m.kinds()) {
        MetaLearner learner = m.factory().create(context(name, kind, HyperValues.resolve(name, m.hyperparameters(),
            Map.of())));
        Params p = learner.initialize(3, DataType.FLOAT);
        assertNotNull(p, name);
        assertTrue(p.numel() > 0, name);
      }
    }
  }

  @Test
  void everyRegularizerBuildsForItsMethodsAndKinds() {
    assertEquals(List.of("none", "mr-w", "mr-a"), Regularizers.names());
    for (String rn : List.of("mr-w", "mr-a")) {
      Regularizers.Regularizer r = Regularizers.get(rn);
      for (String method : r.methods()) {
        Methods.Method m = Methods.get(method);
        for (TaskKind kind : TaskKind.values()) {
          MethodContext ctx = context(method, kind, RunConfig.resolveHp(m, r, Map.of()));
          MetaLearner base = m.factory().create(ctx);
          MetaLearner learner = r.apply(base, ctx);
          Params p = learner.initialize(3, DataType.FLOAT);
          assertTrue(p.numel() > 0, rn + " with " + method + " on " + kind);
          // The regularizer wraps the base it is given: the base's inner loop is its own.
          assertTrue(((org.bml.algorithms.InnerLoopLearner) base).inner()
              == ((org.bml.algorithms.InnerLoopLearner) learner).inner(), rn + " with " + method + " on " + kind);
        }
      }
    }
  }

  private static MethodContext context(String method, TaskKind kind, HyperValues hp) {
    boolean regression = kind == TaskKind.REGRESSION;
    long[] shape = regression ? new long[] {1} : new long[] {1, 28, 28};
    return new MethodContext(method, kind, shape, regression ? 1 : 5, regression ? 10 : 5, 1, 0.1, hp);
  }

  @Test
  void autoDefaultsAreTheLearnersOwn() {
    Methods.Method l = Methods.get("llama");
    org.bml.hierarchical.Llama llama = (org.bml.hierarchical.Llama) l.factory().create(
        context("llama", TaskKind.REGRESSION, HyperValues.resolve("llama", l.hyperparameters(), Map.of())));
    assertEquals(org.bml.hierarchical.Llama.defaultPriorPrecision(1, 0.1), llama.priorPrecision());
    Methods.Method b = Methods.get("bmaml");
    for (TaskKind kind : TaskKind.values()) {
      org.bml.hierarchical.Bmaml bmaml = (org.bml.hierarchical.Bmaml) b.factory().create(
          context("bmaml", kind, HyperValues.resolve("bmaml", b.hyperparameters(), Map.of())));
      int support = kind == TaskKind.REGRESSION ? 10 : 5;
      assertEquals(0.1 / support, bmaml.config().stepSize(), kind.toString());
      assertEquals(org.bml.hierarchical.Bmaml.defaultPrecisionStepScale(bmaml.posterior()),
          bmaml.config().precisionStepScale(), kind.toString());
      assertEquals(kind == TaskKind.REGRESSION, bmaml.config().precisionStepScale() == 1.0, kind.toString());
      assertTrue(bmaml.config().chaseNoise(), "the chaser learns the noise by default: " + kind);
    }
  }

  @Test
  void registeringTwiceIsRefused() {
    Methods.Method maml = Methods.get("maml");
    assertThrows(IllegalStateException.class, () -> Methods.register(maml));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fomaml", "reptile", "anil", "meta-sgd"})
  void regressionMethodsTrainAndEvaluate(String method, @TempDir Path tmp) {
    Path run = tmp.resolve(method);
    CliRun.Result r = CliRun.run("train", "--method", method, "--iterations", "2", "--meta-batch", "2", "--shots", "3",
        "--queries", "3", "--inner-steps", "2", "--val-every", "0", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--steps", "0,2");
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains(method + " on sinusoid"), e.toString());
  }

  @Test
  void otherRegressionDatasetsTrain(@TempDir Path tmp) {
    for (String ds : List.of("sine-and-line", "nonmutex-sinusoid", "bmaml-sinusoid")) {
      Path run = tmp.resolve(ds);
      CliRun.Result r = CliRun.run("train", "--dataset", ds, "--iterations", "2", "--meta-batch", "2", "--val-every",
          "1", "--val-tasks", "2", "--out", run.toString());
      assertEquals(0, r.exit(), r.toString());
      CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "3", "--split", "val");
      assertEquals(0, e.exit(), e.toString());
    }
  }

  @Test
  void listShowsMethodsHyperparametersAndDatasets() {
    CliRun.Result r = CliRun.run("train", "--list");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("bayes-protonet"), r.out());
    assertTrue(r.out().contains("--hp prior-variance=inf"), r.out());
    assertTrue(r.out().contains("nonmutex-omniglot"), r.out());
  }
}
