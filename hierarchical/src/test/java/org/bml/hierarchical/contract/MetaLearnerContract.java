package org.bml.hierarchical.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every {@link MetaLearner} must do, whatever its paper: seeded initialisation (same seed, same
 * bits; another seed, other values), a finite scalar meta-loss that is reproducible for its seed
 * (and ignores the seed unless the method is stochastic), per-task adapted parameters, predictions
 * and losses with the leading task axis, reproducible hypotheses, the chunked meta-loss equal to the
 * whole batch's when {@link MetaLearner#decomposesOverTasks()} says so, a float64 meta-gradient equal
 * to central finite differences (where the meta-loss's gradient is its derivative), and refusals of
 * bad arguments.
 *
 * <p>It lives in {@code hierarchical} because that is the lowest module that sees every learner.
 * A subclass per implementation builds a small float64 learner (tiny MLPs, a few tasks) and says
 * where its method is allowed to differ (first-order or surrogate gradients, per-chunk noise).
 */
public abstract class MetaLearnerContract {
  protected static final int TASKS = 3;
  protected static final long SEED = 5;

  /** The learner under test, small enough for finite differences. */
  protected abstract MetaLearner learner();

  /** Regression support sets: 1-d inputs, 1-d outputs. Classifiers override both data methods. */
  protected Data support() {
    return regression(21, TASKS, 5, 1, 1);
  }

  protected Data query() {
    return regression(23, TASKS, 4, 1, 1);
  }

  protected int steps() {
    return 2;
  }

  /** False where the autodiff meta-gradient is by design not the derivative of the meta-loss (first order, surrogates). */
  protected boolean exactMetaGradient() {
    return true;
  }

  /** True where the meta-loss samples (θ, weights, activations, particles) from its seed. */
  protected boolean stochastic() {
    return false;
  }

  /**
   * False where a chunk of tasks draws its own noise from the seed (so a chunk is another Monte
   * Carlo draw of the same estimator, not the same numbers).
   */
  protected boolean chunksReplayTheNoise() {
    return true;
  }

  protected double gradientTolerance() {
    return 1e-6;
  }

  // ------------------------------------------------------------------------------------ fixtures

  protected static Data regression(long seed, int tasks, int points, int dim, int outputs) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, dim)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, outputs)));
  }

  protected static double[] bits(Tensor t) {
    return t.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
  }

  private static double[] bits(Params p) {
    List<Double> all = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      for (double v : bits(t)) {
        all.add(v);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static Data tasks(Data d, long from, long to) {
    return new Data(Ops.slice(d.x(), 0, from, to), Ops.slice(d.y(), 0, from, to));
  }

  private Params meta() {
    return learner().initialize(SEED, DataType.DOUBLE);
  }

  // ------------------------------------------------------------------------------------ the contract

  @Test
  void initialisationIsSeededAndHonoursTheDtype() {
    MetaLearner l = learner();
    Params a = l.initialize(SEED, DataType.DOUBLE);
    assertArrayEquals(bits(a), bits(l.initialize(SEED, DataType.DOUBLE)), "same seed, same bits");
    assertFalse(Arrays.equals(bits(a), bits(l.initialize(SEED + 1, DataType.DOUBLE))), "another seed, other values");
    for (Tensor t : a.tensors()) {
      assertEquals(DataType.DOUBLE, t.dtype(), "float64 asked for");
    }
    for (Tensor t : l.initialize(SEED, DataType.FLOAT).tensors()) {
      assertEquals(DataType.FLOAT, t.dtype(), "float32 asked for");
    }
  }

  @Test
  void metaLossIsAFiniteScalarReproducibleForItsSeed() {
    MetaLearner l = learner();
    Params meta = meta();
    Tensor loss = l.metaLoss(meta, support(), query(), 17);
    assertEquals(0, loss.shape().length, "a scalar, got shape " + Arrays.toString(loss.shape()));
    assertTrue(Double.isFinite(loss.item()), "finite, got " + loss.item());
    assertEquals(loss.item(), l.metaLoss(meta, support(), query(), 17).item(), 0.0, "same seed, same bits");
    double other = l.metaLoss(meta, support(), query(), 18).item();
    if (stochastic()) {
      assertTrue(other != loss.item(), "a stochastic meta-loss must depend on its seed");
    } else {
      assertEquals(loss.item(), other, 0.0, "a deterministic meta-loss ignores the seed");
    }
  }

  @Test
  void adaptPredictAndLossCarryTheTaskAxis() {
    MetaLearner l = learner();
    Data s = support();
    Data q = query();
    Params meta = meta();
    Params adapted = l.adapt(meta, s, steps());
    boolean perTask = false;
    for (String n : adapted.names()) {
      long[] shape = adapted.get(n).shape();
      boolean withTasks = shape.length >= 1 && shape[0] == TASKS
          && (!meta.has(n) || Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), meta.get(n).shape()));
      boolean shared = meta.has(n) && Arrays.equals(shape, meta.get(n).shape());
      assertTrue(withTasks || shared, n + ": adapted values are shared (θ's shape) or per task ([T] + shape), got "
          + Arrays.toString(shape));
      perTask |= withTasks && !shared;
    }
    assertTrue(perTask, "adaptation must give some per-task values");
    long[] out = l.predict(adapted, q.x()).shape();
    assertArrayEquals(new long[] {TASKS, q.points(), q.y().shape()[2]}, out, "predictions [T, n, outputs]");
    assertArrayEquals(new long[] {TASKS}, l.perTaskLoss(adapted, q).shape(), "one loss per task");
  }

  @Test
  void hypothesesAreReproducibleAndUsable() {
    MetaLearner l = learner();
    Params meta = meta();
    List<Params> h = l.hypotheses(meta, support(), steps(), 3, 41);
    assertTrue(h.size() >= 1 && h.size() <= 3, "between 1 and k hypotheses, got " + h.size());
    List<Params> again = l.hypotheses(meta, support(), steps(), 3, 41);
    assertEquals(h.size(), again.size());
    for (int i = 0; i < h.size(); i++) {
      assertArrayEquals(bits(h.get(i)), bits(again.get(i)), "hypothesis " + i + ": same seed, same bits");
      assertEquals(TASKS, l.predict(h.get(i), query().x()).shape()[0], "hypothesis " + i + " predicts per task");
    }
  }

  @Test
  void chunkedMetaLossEqualsTheWholeBatchWhenItDecomposes() {
    MetaLearner l = learner();
    assumeTrue(l.decomposesOverTasks(), "declares that it does not decompose over tasks");
    assumeTrue(chunksReplayTheNoise(), "each chunk draws its own noise");
    Params meta = meta();
    Data s = support();
    Data q = query();
    double whole = l.metaLoss(meta, s, q, 17).item();
    double first = l.metaLoss(meta, tasks(s, 0, 2), tasks(q, 0, 2), 17).item();
    double last = l.metaLoss(meta, tasks(s, 2, 3), tasks(q, 2, 3), 17).item();
    double chunked = (2 * first + last) / TASKS;
    assertEquals(whole, chunked, 1e-12 * Math.max(1, Math.abs(whole)), "chunks {0,1}, {2} vs the whole batch");
  }

  @Test
  void float64MetaGradientMatchesCentralDifferences() {
    assumeTrue(exactMetaGradient(), "its meta-gradient is by design not the derivative of its meta-loss");
    MetaLearner l = learner();
    Params meta = meta();
    List<String> names = meta.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : meta.tensors()) {
      at.add(t.value());
    }
    Data s = support();
    Data q = query();
    double err = GradientCheck.gradientError(vars -> l.metaLoss(Params.of(names, vars), s, q, 17), at, 1e-6);
    assertTrue(err <= gradientTolerance(), "meta-gradient vs central differences: rel err " + err);
  }

  @Test
  void badArgumentsAreRefused() {
    MetaLearner l = learner();
    Params meta = meta();
    assertThrows(IllegalArgumentException.class, () -> l.hypotheses(meta, support(), steps(), 0, 1), "k = 0");
    assertThrows(IllegalArgumentException.class, () -> l.adapt(meta, support(), -1), "steps = -1");
  }
}
