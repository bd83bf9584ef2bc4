package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.opentest4j.AssertionFailedError;

/**
 * The unit suite's leak check for the training loop (the 10,000-step RSS soak is
 * {@link NativeMemoryFlatTest}, run with {@code -Psoak}): after a warm-up, 150 second-order MAML
 * steps must not leave arrays alive. It counts ND4J's live deallocatable objects (every data
 * and shape buffer registers one with the deallocator service, workspace or not, and it is
 * dropped once the garbage collector has found the array unreachable), after a collection has
 * settled. A retained array per step adds at least one per step; the test that injects exactly
 * that leak shows the check fails on it. (JavaCPP's byte counters cannot do this: they see 16 B
 * of an ND4J array.)
 */
class NativeMemoryShortTest {
  private static final int WARMUP = 30;
  private static final int STEPS = 150;
  /** Allowed growth in live objects over {@link #STEPS}: one leaked array per step is 2 × STEPS. */
  private static final int SLACK = 30;

  /** ND4J's live deallocatable objects (its deallocator service's reference map). */
  static int liveObjects() {
    try {
      Object service = Nd4j.getDeallocatorService();
      Field f = service.getClass().getDeclaredField("referenceMap");
      f.setAccessible(true);
      return ((Map<?, ?>) f.get(service)).size();
    } catch (ReflectiveOperationException e) {
      // An ND4J upgrade that renames it must fail here, not make the check vacuous.
      throw new AssertionError("ND4J's DeallocatorService has no referenceMap: " + e, e);
    }
  }

  /** The count once the collector and ND4J's deallocator threads are done (stable twice in a row). */
  static int settledLiveObjects() throws InterruptedException {
    int last = -1;
    int stable = 0;
    for (int round = 0; round < 40 && stable < 2; round++) {
      System.gc();
      Thread.sleep(50);
      int now = liveObjects();
      stable = now == last ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  private static void trainAndCheck(LongConsumer extra) throws InterruptedException {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(3, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 5, 3);
    long it = 0;
    for (; it < WARMUP; it++) {
      trainer.step(it);
      extra.accept(it);
    }
    int before = settledLiveObjects();
    for (; it < WARMUP + STEPS; it++) {
      trainer.step(it);
      extra.accept(it);
    }
    int after = settledLiveObjects();
    System.out.printf("live ND4J objects: %d after %d steps, %d after %d more%n", before, WARMUP, after, STEPS);
    assertTrue(after - before <= SLACK, "live ND4J objects grew by " + (after - before) + " (" + before + " -> "
        + after + ") over " + STEPS + " steps");
  }

  @Test
  void secondOrderMamlStepsLeaveNoArraysAlive() throws InterruptedException {
    trainAndCheck(it -> { });
  }

  @Test
  void theCheckFailsWhenEveryStepRetainsAnArray() {
    // Test-only leak: what a loop that kept, say, every step's parameters for a plot would do.
    List<INDArray> retained = new ArrayList<>();
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> trainAndCheck(it -> retained.add(Nd4j.rand(DataType.FLOAT, 1761))));
    assertTrue(e.getMessage().contains("live ND4J objects grew by"), e.getMessage());
    assertTrue(retained.size() == WARMUP + STEPS);
  }
}
