package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * 10,000 second-order MAML steps on the sinusoid MLP must run in flat native memory: every
 * step's arrays live in a recycled workspace, so nothing depends on the garbage collector.
 * A soak, not a unit test: it runs only with {@code -Psoak} (see algorithms/pom.xml); the unit
 * suite has {@link NativeMemoryShortTest}.
 */
class NativeMemoryFlatTest {
  /**
   * Resident set size. This test runs in its own JVM whose heap is fixed and pre-touched
   * (see algorithms/pom.xml), so growth here is native growth.
   */
  private static long residentBytes() {
    return Pointer.physicalBytes();
  }

  @Test
  void tenThousandSecondOrderStepsKeepNativeMemoryFlat() {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(3, DataType.FLOAT), new Adam(1e-3), 0);
    // Meta-batch 5 keeps the test quick; the per-step graph has the same structure as with 25.
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 5, 3);
    long at1000 = 0;
    long at5000 = 0;
    long trackedAt1000 = 0;
    for (int it = 0; it < 10_000; it++) {
      trainer.step(it);
      if (it + 1 == 1_000) {
        at1000 = residentBytes();
        trackedAt1000 = Pointer.totalBytes();
      } else if (it + 1 == 5_000) {
        at5000 = residentBytes();
      }
    }
    long at10000 = residentBytes();
    long trackedAt10000 = Pointer.totalBytes();
    long growth = at10000 - at1000;
    long trackedGrowth = trackedAt10000 - trackedAt1000;
    System.out.printf("resident: step 1000 %.1f MB, step 5000 %.1f MB, step 10000 %.1f MB;"
        + " JavaCPP-tracked %.1f -> %.1f MB%n", at1000 / 1e6, at5000 / 1e6, at10000 / 1e6,
        trackedAt1000 / 1e6, trackedAt10000 / 1e6);
    // Measured without scopes, the same loop grew by ~260 MB per 1,000 steps (arrays waiting for
    // the GC). With scopes the resident set still rises by ~100 MB up to step ~4,000 (JIT code
    // cache and malloc arenas warming up) and is then flat to within a megabyte.
    assertTrue(growth < 160L << 20, "resident memory grew by " + growth / 1e6 + " MB between steps 1,000 and 10,000");
    assertTrue(at10000 - at5000 < 16L << 20, "resident memory grew by " + (at10000 - at5000) / 1e6
        + " MB between steps 5,000 and 10,000");
    assertTrue(trackedGrowth < 16L << 20, "JavaCPP-tracked memory grew by " + trackedGrowth / 1e6 + " MB");
  }
}
