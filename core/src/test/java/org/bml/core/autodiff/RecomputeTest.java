package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bml.core.memory.MemoryScope;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Recompute}: a checkpointed segment gives the gradients of the same computation with its
 * graph kept (float64, relative 1e-12: the same ops on the same values), inside and outside a
 * {@link MemoryScope}; and it refuses what it cannot do (second order through it, a segment that
 * reads a variable it was not given, a non-deterministic segment).
 */
class RecomputeTest {

  private static INDArray rand(long seed, long... shape) {
    Nd4j.getRandom().setSeed(seed);
    return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
  }

  // Two outputs from two inputs, with an inner gradient (second order inside the segment).
  private static List<Tensor> block(List<Tensor> in) {
    Tensor x = in.get(0);
    Tensor w = in.get(1);
    Tensor h = Ops.tanh(Ops.matmul(x, w));
    Tensor inner = Ops.sum(Ops.square(h), false);
    Tensor gw = Autodiff.grad(inner, w, true);
    return List.of(h, Ops.addScaled(w, gw, -0.3));
  }

  private static Tensor loss(boolean recompute, Tensor x, Tensor w, int blocks) {
    Tensor a = x;
    Tensor b = w;
    for (int i = 0; i < blocks; i++) {
      List<Tensor> in = List.of(a, b);
      List<Tensor> out = recompute ? Recompute.checkpoint("block " + i, in, RecomputeTest::block) : block(in);
      a = out.get(0);
      b = out.get(1);
    }
    return Ops.add(Ops.sum(Ops.square(a), false), Ops.sum(Ops.tanh(b), false));
  }

  private static void assertClose(INDArray expected, INDArray actual) {
    double scale = expected.amaxNumber().doubleValue();
    double diff = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(diff <= 1e-12 * (1 + scale), "max |difference| " + diff + " (scale " + scale + ")");
  }

  @Test
  void checkpointedGradientEqualsTheStoredGraphs() {
    for (int blocks : new int[] {1, 2, 4}) {
      Tensor x = Tensor.variable(rand(1, 3, 4), "x");
      Tensor w = Tensor.variable(rand(2, 4, 4), "w");
      List<Tensor> expected = Autodiff.grad(loss(false, x, w, blocks), List.of(x, w), false);
      List<Tensor> actual = Autodiff.grad(loss(true, x, w, blocks), List.of(x, w), false);
      assertClose(expected.get(0).value(), actual.get(0).value());
      assertClose(expected.get(1).value(), actual.get(1).value());
      // values agree too, and an input that needs no gradient stays a constant
      assertClose(loss(false, x, w, blocks).value(), loss(true, x, w, blocks).value());
    }
  }

  @Test
  void insideAMemoryScopeTheGradientSurvivesTheSegmentsWorkspace() {
    Tensor x = Tensor.variable(rand(3, 3, 4), "x");
    Tensor w = Tensor.variable(rand(4, 4, 4), "w");
    INDArray expected = Autodiff.grad(loss(false, x, w, 3), w, false).value();
    for (int it = 0; it < 3; it++) { // later iterations reuse the learned workspaces
      try (MemoryScope s = MemoryScope.open("recompute-test")) {
        INDArray g = MemoryScope.keep(Autodiff.grad(loss(true, x, w, 3), w, false).value());
        assertClose(expected, g);
      }
    }
  }

  @Test
  void onlyTheAdjointsReachedCount() {
    // Differentiating only one output of the segment (the other unused) must equal the same.
    Tensor x = Tensor.variable(rand(5, 3, 4), "x");
    Tensor w = Tensor.variable(rand(6, 4, 4), "w");
    Tensor plain = Ops.sum(block(List.of(x, w)).get(1), false);
    Tensor ck = Ops.sum(Recompute.checkpoint("one", List.of(x, w), RecomputeTest::block).get(1), false);
    assertClose(Autodiff.grad(plain, w, false).value(), Autodiff.grad(ck, w, false).value());
    // and a stale adjoint of an aborted pass is not reused: a second pass gives the same again
    assertClose(Autodiff.grad(plain, w, false).value(), Autodiff.grad(ck, w, false).value());
  }

  @Test
  void theComparisonCanFail() {
    // Cutting the graph at the segment boundary (what a wrong checkpoint would do) is detected.
    Tensor x = Tensor.variable(rand(7, 3, 4), "x");
    Tensor w = Tensor.variable(rand(8, 4, 4), "w");
    INDArray expected = Autodiff.grad(loss(false, x, w, 2), w, false).value();
    List<Tensor> first = block(List.of(x, w));
    List<Tensor> second = block(List.of(first.get(0).detach().asVariable(), first.get(1)));
    Tensor cut = Ops.add(Ops.sum(Ops.square(second.get(0)), false), Ops.sum(Ops.tanh(second.get(1)), false));
    INDArray wrong = Autodiff.grad(cut, w, false).value();
    assertTrue(expected.sub(wrong).amaxNumber().doubleValue() > 1e-6);
  }

  @Test
  void refusesToBeDifferentiatedTwice() {
    Tensor x = Tensor.variable(rand(9, 3, 4), "x");
    Tensor w = Tensor.variable(rand(10, 4, 4), "w");
    Tensor l = loss(true, x, w, 1);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> Autodiff.grad(l, w, true));
    assertTrue(e.getMessage().contains("differentiable once"), e.getMessage());
  }

  @Test
  void refusesASegmentThatReadsAVariableItWasNotGiven() {
    Tensor x = Tensor.variable(rand(11, 3, 4), "x");
    Tensor hidden = Tensor.variable(rand(12, 4, 4), "hidden");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Recompute.checkpoint("leaky", List.of(x), in -> List.of(Ops.matmul(in.get(0), hidden))));
    assertTrue(e.getMessage().contains("'hidden'") && e.getMessage().contains("not one of its inputs"),
        e.getMessage());
  }

  @Test
  void refusesANonDeterministicSegment() {
    Tensor x = Tensor.variable(rand(13, 3, 4), "x");
    AtomicInteger runs = new AtomicInteger();
    List<Tensor> out = Recompute.checkpoint("noisy", List.of(x),
        in -> List.of(Ops.addScalar(in.get(0), runs.getAndIncrement())));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Autodiff.grad(Ops.sum(out.get(0), false), x, false));
    assertTrue(e.getMessage().contains("not a deterministic function"), e.getMessage());
  }

  @Test
  void withoutAnythingToDifferentiateTheSegmentJustRuns() {
    Tensor x = Tensor.constant(rand(14, 3, 4));
    List<Tensor> calls = new ArrayList<>();
    List<Tensor> out = Recompute.checkpoint("plain", List.of(x), in -> {
      calls.add(in.get(0));
      return List.of(Ops.neg(in.get(0)));
    });
    assertEquals(1, calls.size());
    assertTrue(calls.get(0) == x && !out.get(0).requiresGrad());
  }
}
