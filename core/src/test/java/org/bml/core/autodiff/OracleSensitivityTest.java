package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.bml.core.check.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-op harness of {@link OpGradientTest} must be able to fail: deliberately broken ops,
 * recorded like the real ones, are caught by the same checks and tolerances.
 */
class OracleSensitivityTest {
  private static final INDArray X = GradientCheck.uniform(1, 0.5, 1.5, 3, 4);
  private static final INDArray V = GradientCheck.uniform(2, -1, 1, 3, 4);

  private static double grad(Function<Tensor, Tensor> op) {
    return GradientCheck.gradientError(xs -> GradientCheck.probe(op.apply(xs.get(0)), 5), List.of(X),
        OpGradientTest.GRAD_EPS);
  }

  private static double hvp(Function<Tensor, Tensor> op) {
    return GradientCheck.hvpError(xs -> GradientCheck.probe(op.apply(xs.get(0)), 5), List.of(X), List.of(V),
        OpGradientTest.HVP_EPS);
  }

  @Test
  void aWrongFactorFailsTheGradientCheck() {
    // square with backward g·x instead of g·2x
    Function<Tensor, Tensor> bad = x -> Ops.record("badSquare", x.value().mul(x.value()), new Tensor[] {x},
        (g, out, need) -> new Tensor[] {Ops.mul(g, x)});
    assertTrue(grad(bad) > 0.1, "gradient error " + grad(bad));
  }

  @Test
  void aBackwardComputedOnRawArraysFailsTheHvpCheckOnly() {
    // The derivative 3x² as a constant: first order right, nothing recorded for the second.
    Function<Tensor, Tensor> bad = x -> Ops.record("cubeRaw", x.value().mul(x.value()).mul(x.value()),
        new Tensor[] {x}, (g, out, need) -> new Tensor[] {Ops.mul(g, Tensor.constant(x.value().mul(x.value()).mul(3)))});
    assertTrue(grad(bad) <= OpGradientTest.TOL, "gradient error " + grad(bad));
    assertTrue(hvp(bad) > 0.1, "HVP error " + hvp(bad));
  }

  @Test
  void aBackwardThatDetachesTheUpstreamGradientFailsTheHvpCheck() {
    // A linear op (2x) whose backward uses the upstream gradient's value only: its own second
    // derivative is zero, so only the probe's ½ S y² term, reached through the upstream, exposes it.
    Function<Tensor, Tensor> bad = x -> Ops.record("twiceDetached", x.value().mul(2), new Tensor[] {x},
        (g, out, need) -> new Tensor[] {Tensor.constant(g.value().mul(2))});
    assertTrue(grad(bad) <= OpGradientTest.TOL, "gradient error " + grad(bad));
    assertTrue(hvp(bad) > 0.1, "HVP error " + hvp(bad));
  }

  @Test
  void theRealOpsPassTheSameChecks() {
    Function<Tensor, Tensor> square = Ops::square;
    Function<Tensor, Tensor> cube = x -> Ops.pow(x, 3);
    Function<Tensor, Tensor> twice = x -> Ops.mulScalar(x, 2);
    for (Function<Tensor, Tensor> op : List.of(square, cube, twice)) {
      assertTrue(grad(op) <= OpGradientTest.TOL && hvp(op) <= OpGradientTest.TOL);
    }
  }
}
