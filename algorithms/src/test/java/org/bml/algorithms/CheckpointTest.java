package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

class CheckpointTest {
  private static final Mlp MODEL = new Mlp(Activation.RELU, 1, 16, 1);
  private static final Maml MAML = new Maml(MODEL, Likelihood.meanSquaredError(MODEL), 1, 0.01, GradientOrder.SECOND);
  private static final SinusoidTasks TASKS = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.FLOAT);
  private static final Map<String, String> CONFIG = Map.of("method", "maml", "widths", "1-16-1");

  private static MetaOptimizer fresh() {
    return new MetaOptimizer(MAML.initialize(5, DataType.FLOAT), new Adam(1e-2), 0);
  }

  private static void train(MetaOptimizer opt, int from, int to) {
    MetaTrainer trainer = new MetaTrainer(MAML, TASKS, opt, 4, 9);
    for (int it = from; it < to; it++) {
      trainer.step(it);
    }
  }

  @Test
  void resumingFromACheckpointContinuesBitIdentically(@TempDir Path dir) {
    MetaOptimizer straight = fresh();
    train(straight, 0, 8);

    MetaOptimizer first = fresh();
    train(first, 0, 4);
    Path file = dir.resolve("ckpt.bml");
    Checkpoint.capture(first, CONFIG, 9).write(file);
    Checkpoint loaded = Checkpoint.read(file);
    assertEquals(4, loaded.iteration());
    assertEquals("maml", loaded.config().get("method"));
    assertEquals("9", loaded.provenance().get("seed"));
    MetaOptimizer resumed = fresh();
    loaded.restoreInto(resumed);
    train(resumed, loaded.iteration(), 8);

    INDArray a = straight.flatParams();
    INDArray b = resumed.flatParams();
    for (long i = 0; i < a.length(); i++) {
      assertEquals(Float.floatToIntBits(a.getFloat(i)), Float.floatToIntBits(b.getFloat(i)), "parameter " + i);
    }
    assertEquals(straight.iteration(), resumed.iteration());
  }

  @Test
  void writeLeavesNoTemporaryFilesAndReplacesAtomically(@TempDir Path dir) throws Exception {
    MetaOptimizer opt = fresh();
    Path file = dir.resolve("c.bml");
    Checkpoint.capture(opt, CONFIG, 1).write(file);
    Checkpoint.capture(opt, CONFIG, 2).write(file);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
    assertEquals("2", Checkpoint.read(file).provenance().get("seed"));
  }

  @Test
  void badCheckpointsAreRejectedWithTheFileName(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.bml");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(missing)).getMessage().contains("none.bml"));
    Path garbage = dir.resolve("garbage.bml");
    Files.writeString(garbage, "not a checkpoint");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(garbage)).getMessage().contains("garbage.bml"));
    Path good = dir.resolve("good.bml");
    Checkpoint.capture(fresh(), CONFIG, 1).write(good);
    Checkpoint c = Checkpoint.read(good);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.requireConfig(Map.of("method", "protonet")));
    assertTrue(e.getMessage().contains("method=maml"), e.getMessage());
    Mlp other = new Mlp(Activation.RELU, 1, 8, 1);
    MetaOptimizer mismatched = new MetaOptimizer(other.init(1, DataType.FLOAT), new Adam(1e-2), 0);
    assertThrows(IllegalArgumentException.class, () -> c.restoreInto(mismatched));
  }

  /** Layer 1 by sign descent, the rest by Adam: two parameter groups. */
  private static MetaOptimizer grouped() {
    org.bml.core.model.Params init = MAML.initialize(5, DataType.FLOAT);
    Map<String, org.nd4j.linalg.learning.config.IUpdater> u = new java.util.LinkedHashMap<>();
    for (String n : init.names()) {
      u.put(n, n.startsWith("layer1") ? MetaOptimizer.signDescent(1e-2) : new Adam(1e-2));
    }
    return new MetaOptimizer(init, u, 0);
  }

  @Test
  void parameterGroupsResumeBitIdenticallyAndOtherLayoutsAreRefused(@TempDir Path dir) {
    MetaOptimizer straight = grouped();
    train(straight, 0, 6);
    MetaOptimizer first = grouped();
    train(first, 0, 3);
    Path file = dir.resolve("grouped.bml");
    Checkpoint.capture(first, CONFIG, 9).write(file);
    Checkpoint loaded = Checkpoint.read(file);
    assertEquals(first.layout(), loaded.optimizerLayout());
    MetaOptimizer resumed = grouped();
    loaded.restoreInto(resumed);
    train(resumed, loaded.iteration(), 6);
    assertEquals(straight.flatParams(), resumed.flatParams());
    assertEquals(straight.updaterState(), resumed.updaterState());

    // Same sizes, one group: the state's slices would be misread, so it is refused.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loaded.restoreInto(fresh()));
    assertTrue(e.getMessage().contains("layout"), e.getMessage());
    // A file without a layout (written before groups) holds one updater's state over all of θ.
    Checkpoint legacy = new Checkpoint(loaded.params(), loaded.updaterState(), 3, CONFIG, loaded.provenance());
    assertThrows(IllegalArgumentException.class, () -> legacy.restoreInto(grouped()));
    legacy.restoreInto(fresh());
  }
}
