package org.bml.priors.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.bml.priors.Prior;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every {@link Prior} (without a task axis of its own) must do: samples with the declared
 * shapes, with or without a task axis, reproducible for a seed and different for another; log p(φ)
 * a scalar for one φ and one value per task for a batch, each task's value independent of the
 * others (chunks of tasks give the whole batch's values); ∇_φ log p in float64 equal to central
 * finite differences; KL to itself zero where a closed form exists; refusals of a φ that lacks a
 * parameter and of a task count below 1. A subclass per implementation builds a small float64
 * prior over {@link #shapes()}: "w" [2, 3] and "b" [3].
 */
public abstract class PriorContract {
  protected static final int TASKS = 3;

  protected abstract Prior prior();

  protected static LinkedHashMap<String, long[]> shapes() {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    s.put("w", new long[] {2, 3});
    s.put("b", new long[] {3});
    return s;
  }

  protected double gradientTolerance() {
    return 1e-8;
  }

  /** φ uniform in [−1, 1], with a leading task axis when {@code tasks} &gt; 0. */
  protected static Params phi(long tasks, long seed) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    long s = seed;
    for (Map.Entry<String, long[]> e : shapes().entrySet()) {
      long[] shape = tasks > 0 ? withTasks(tasks, e.getValue()) : e.getValue();
      m.put(e.getKey(), Tensor.constant(GradientCheck.uniform(s++, -1, 1, shape)));
    }
    return Params.of(m);
  }

  private static long[] withTasks(long tasks, long[] shape) {
    long[] out = new long[shape.length + 1];
    out[0] = tasks;
    System.arraycopy(shape, 0, out, 1, shape.length);
    return out;
  }

  private static double[] bits(Params p) {
    List<Double> all = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      for (double v : t.value().castTo(DataType.DOUBLE).dup('c').data().asDouble()) {
        all.add(v);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void samplesHaveTheDeclaredShapesAndAreSeeded() {
    Prior p = prior();
    assertEquals(0, p.tasks(), "the contract's priors carry no task axis of their own");
    Params one = p.sample(7);
    Params batch = p.sample(TASKS, 7);
    for (Map.Entry<String, long[]> e : p.parameterShapes().entrySet()) {
      assertArrayEquals(e.getValue(), one.get(e.getKey()).shape(), e.getKey());
      assertArrayEquals(withTasks(TASKS, e.getValue()), batch.get(e.getKey()).shape(), e.getKey() + " per task");
      assertEquals(p.dtype(), one.get(e.getKey()).dtype(), e.getKey() + ": the prior's dtype");
    }
    assertArrayEquals(bits(one), bits(p.sample(7)), "same seed, same bits");
    assertArrayEquals(bits(batch), bits(p.sample(TASKS, 7)), "same seed, same bits (per task)");
    assertFalse(Arrays.equals(bits(one), bits(p.sample(8))), "another seed, another draw");
  }

  @Test
  void logDensityIsAScalarOrOneValuePerTaskAndTasksAreIndependent() {
    Prior p = prior();
    Tensor single = p.logDensity(phi(0, 11));
    assertEquals(0, single.shape().length, "one φ: a scalar, got " + Arrays.toString(single.shape()));
    assertTrue(Double.isFinite(single.item()), "finite");
    Params batch = phi(TASKS, 13);
    Tensor whole = p.logDensity(batch);
    assertArrayEquals(new long[] {TASKS}, whole.shape(), "one value per task");
    LinkedHashMap<String, Tensor> first = new LinkedHashMap<>();
    LinkedHashMap<String, Tensor> last = new LinkedHashMap<>();
    for (String n : batch.names()) {
      first.put(n, Ops.slice(batch.get(n), 0, 0, 2));
      last.put(n, Ops.slice(batch.get(n), 0, 2, 3));
    }
    double[] w = whole.value().toDoubleVector();
    double[] a = p.logDensity(Params.of(first)).value().toDoubleVector();
    double[] b = p.logDensity(Params.of(last)).value().toDoubleVector();
    double[] chunked = {a[0], a[1], b[0]};
    for (int t = 0; t < TASKS; t++) {
      assertEquals(w[t], chunked[t], 1e-12 * Math.max(1, Math.abs(w[t])), "task " + t + ": chunks vs whole");
    }
  }

  @Test
  void float64GradientOfTheLogDensityMatchesCentralDifferences() {
    Prior p = prior();
    Params at = phi(TASKS, 17);
    List<String> names = at.names();
    List<INDArray> values = new ArrayList<>();
    for (Tensor t : at.tensors()) {
      values.add(t.value());
    }
    double err = GradientCheck.gradientError(vars -> Ops.sum(p.logDensity(Params.of(names, vars)), false), values,
        1e-6);
    assertTrue(err <= gradientTolerance(), "∇_φ log p vs central differences: rel err " + err);
  }

  @Test
  void klToItselfIsZeroWhereAClosedFormExists() {
    Prior p = prior();
    Optional<Tensor> kl = p.klDivergenceTo(p);
    kl.ifPresent(k -> assertEquals(0.0, k.item(), 1e-12, "KL(p ‖ p)"));
  }

  @Test
  void badArgumentsAreRefused() {
    Prior p = prior();
    Params full = phi(0, 11);
    LinkedHashMap<String, Tensor> partial = new LinkedHashMap<>();
    partial.put("b", full.get("b"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(Params.of(partial)));
    assertTrue(e.getMessage() != null && e.getMessage().contains("w"), "names the missing parameter: "
        + e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> p.sample(0, 1), "0 tasks");
  }
}
