package org.bml.core.autodiff;

import static org.bml.core.check.GradientCheck.distinct;
import static org.bml.core.check.GradientCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bml.core.check.Nd4jThreads;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A vector-Jacobian product is linear in the upstream gradient:
 * VJP(α u + β v) = α VJP(u) + β VJP(v), for every input of a random op at random inputs.
 * Catches backward rules that use the upstream nonlinearly or drop / double-count part of it
 * (e.g. broadcasting reductions, ties, accumulation over repeated indices).
 */
class VjpLinearityProperties {
  @BeforeContainer
  static void oneThread() {
    Nd4jThreads.single();
  }

  @AfterContainer
  static void restoreThreads() {
    Nd4jThreads.restore();
  }


  record OpCase(String name, Function<List<Tensor>, Tensor> op, long[][] shapes, boolean distinctValues) {}

  static final List<OpCase> OPS = List.of(
      new OpCase("matmul batched transB", xs -> Ops.matmul(xs.get(0), xs.get(1), false, true),
          new long[][] {{2, 3, 4}, {2, 5, 4}}, false),
      new OpCase("mul broadcast", xs -> Ops.mul(xs.get(0), xs.get(1)), new long[][] {{3, 4, 2}, {4, 1}}, false),
      new OpCase("div broadcast", xs -> Ops.div(xs.get(0), Ops.addScalar(Ops.square(xs.get(1)), 1.0)),
          new long[][] {{3, 1, 2}, {1, 4, 1}}, false),
      new OpCase("softmax", xs -> Ops.softmax(xs.get(0), 1), new long[][] {{3, 5}}, false),
      new OpCase("logSumExp", xs -> Ops.logSumExp(xs.get(0), 0, true), new long[][] {{4, 3}}, false),
      new OpCase("max over two axes", xs -> Ops.max(xs.get(0), false, 0, 2), new long[][] {{3, 2, 4}}, true),
      new OpCase("gather repeated", xs -> Ops.gather(xs.get(0), 1, new int[] {2, 0, 2, 2}),
          new long[][] {{2, 3, 2}}, false),
      new OpCase("conv2d stride 2", xs -> Ops.conv2d(xs.get(0), xs.get(1), 2, 1),
          new long[][] {{2, 2, 5, 5}, {3, 2, 3, 3}}, false),
      new OpCase("maxPool2x2 odd", xs -> Ops.maxPool2x2(xs.get(0)), new long[][] {{1, 2, 5, 5}}, true),
      new OpCase("batchNorm", xs -> Ops.batchNorm(xs.get(0), xs.get(1), xs.get(2), 1e-5, 0),
          new long[][] {{4, 3}, {3}, {3}}, false),
      new OpCase("squaredDistances", xs -> Ops.squaredDistances(xs.get(0), xs.get(1)),
          new long[][] {{3, 4}, {2, 4}}, false),
      new OpCase("concat + slice", xs -> Ops.slice(Ops.concat(0, xs), 0, 1, 4), new long[][] {{2, 3}, {3, 3}}, false),
      new OpCase("tanh of expand", xs -> Ops.tanh(Ops.expand(xs.get(0), 3)), new long[][] {{2, 2}}, false));

  @Property(tries = 150, seed = "5551212")
  void vjpIsLinearInTheUpstreamGradient(@ForAll @IntRange(min = 0, max = 12) int which, @ForAll long seed,
      @ForAll @DoubleRange(min = -3, max = 3) double alpha, @ForAll @DoubleRange(min = -3, max = 3) double beta) {
    OpCase c = OPS.get(which);
    List<Tensor> xs = new ArrayList<>();
    for (int i = 0; i < c.shapes().length; i++) {
      INDArray value = c.distinctValues() ? distinct(seed + i, 0.1, 2, c.shapes()[i]) : uniform(seed + i, -1, 1,
          c.shapes()[i]);
      xs.add(Tensor.variable(value));
    }
    Tensor y = c.op().apply(xs);
    INDArray u = uniform(seed + 100, -1, 1, y.shape());
    INDArray v = uniform(seed + 200, -1, 1, y.shape());
    List<Tensor> ju = vjp(y, u, xs);
    List<Tensor> jv = vjp(y, v, xs);
    List<Tensor> jw = vjp(y, u.mul(alpha).addi(v.mul(beta)), xs);
    for (int i = 0; i < xs.size(); i++) {
      INDArray expected = ju.get(i).value().mul(alpha).addi(jv.get(i).value().mul(beta));
      double err = jw.get(i).value().sub(expected).norm2Number().doubleValue();
      // Rounding only: a few ulps of the terms' sizes.
      double scale = Math.abs(alpha) * ju.get(i).value().norm2Number().doubleValue()
          + Math.abs(beta) * jv.get(i).value().norm2Number().doubleValue();
      assertTrue(err <= 1e-12 * scale + 1e-300, c.name() + " input " + i + ": ‖VJP(αu+βv) − αVJP(u) − βVJP(v)‖ = "
          + err + " vs scale " + scale);
    }
  }

  private static List<Tensor> vjp(Tensor y, INDArray upstream, List<Tensor> wrt) {
    return Autodiff.grad(List.of(y), List.of(Tensor.constant(upstream)), wrt, false, false);
  }

  /** The table covers every op index the property draws. */
  @Example
  void tableSizeMatchesTheDrawnRange() {
    assertEquals(13, OPS.size(), "update @IntRange(max) when adding ops: " + OPS.size());
  }
}
