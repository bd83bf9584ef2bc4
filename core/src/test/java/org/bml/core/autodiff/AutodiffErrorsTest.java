package org.bml.core.autodiff;

import static org.bml.core.check.GradientCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bad input is rejected with messages that name the op and the shapes; anomaly mode and grad mode. */
class AutodiffErrorsTest {

  private static Tensor var(long... shape) {
    return Tensor.variable(uniform(11, -1, 1, shape));
  }

  private static Tensor constant(double... values) {
    return Tensor.constant(Nd4j.createFromArray(values));
  }

  /** Asserts that run throws type with a message containing every fragment; returns the message. */
  private static <T extends Throwable> String assertMessage(Class<T> type, Executable run, String... fragments) {
    T e = assertThrows(type, run);
    String m = e.getMessage();
    for (String f : fragments) {
      assertTrue(m != null && m.contains(f), "message should contain '" + f + "' but was: " + m);
    }
    return m;
  }

  @Nested
  class ShapesAndDtypes {
    @Test
    void addOfIncompatibleShapesNamesOpAndShapes() {
      assertMessage(IllegalArgumentException.class, () -> Ops.add(var(2, 3), var(4, 5)), "'add'", "[2, 3]", "[4, 5]");
      assertMessage(IllegalArgumentException.class, () -> Ops.mul(var(3, 4, 5), var(3, 5)), "'mul'", "[3, 4, 5]",
          "[3, 5]");
    }

    @Test
    void matmulInnerDimensionMismatch() {
      assertMessage(IllegalArgumentException.class, () -> Ops.matmul(var(2, 3), var(4, 5)), "'matmul'", "[2, 3]",
          "[4, 5]");
      // With transposition the inner dims are the other ones: [3,2]ᵀ·[4,5] needs 3 == 4.
      assertMessage(IllegalArgumentException.class, () -> Ops.matmul(var(3, 2), var(4, 5), true, false), "'matmul'",
          "[3, 2]", "[4, 5]");
      assertMessage(IllegalArgumentException.class, () -> Ops.matmul(var(2, 2, 3), var(3, 3, 4)), "'matmul'",
          "[2, 2, 3]", "[3, 3, 4]");
      assertMessage(IllegalArgumentException.class, () -> Ops.matmul(var(2, 3), var(1, 3, 4)), "'matmul'", "[2, 3]",
          "[1, 3, 4]");
    }

    @Test
    void convChannelMismatch() {
      assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(var(1, 3, 5, 5), var(2, 4, 3, 3), 1, 1),
          "'conv2d'", "[1, 3, 5, 5]", "[2, 4, 3, 3]");
      // Per-task weights for a different number of tasks.
      assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(var(2, 1, 3, 5, 5), var(3, 2, 3, 3, 3), 1, 1),
          "'conv2d'", "[2, 1, 3, 5, 5]", "[3, 2, 3, 3, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(var(1, 3, 2, 2), var(2, 3, 5, 5), 1, 0),
          "'conv2d'", "kernel 5");
    }

    @Test
    void dtypeMixIsRejected() {
      Tensor f = Tensor.variable(uniform(1, -1, 1, 2, 3).castTo(DataType.FLOAT));
      Tensor d = var(2, 3);
      assertMessage(IllegalArgumentException.class, () -> Ops.add(f, d), "'add'", "FLOAT", "DOUBLE", "[2, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.mul(d, f), "'mul'", "DOUBLE", "FLOAT");
      assertMessage(IllegalArgumentException.class, () -> Ops.matmul(f, Ops.transpose(d, 0, 1)), "'matmul'", "FLOAT",
          "DOUBLE");
      Tensor wf = Tensor.variable(uniform(2, -1, 1, 2, 3, 3, 3).castTo(DataType.FLOAT));
      assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(var(1, 3, 4, 4), wf, 1, 1), "'conv2d'", "FLOAT",
          "DOUBLE");
      assertMessage(IllegalArgumentException.class, () -> Ops.concat(0, List.of(d, f)), "'concat'", "FLOAT");
      assertMessage(IllegalArgumentException.class, () -> Ops.where(Nd4j.ones(2, 3), d, f), "'where'", "FLOAT");
    }

    @Test
    void shapeOpsRejectBadArguments() {
      assertMessage(IllegalArgumentException.class, () -> Ops.reshape(var(2, 3), 4, 2), "'reshape'", "[2, 3]",
          "[4, 2]");
      assertMessage(IllegalArgumentException.class, () -> Ops.slice(var(2, 3), 1, 2, 5), "'slice'", "[2, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.gather(var(2, 3), 1, new int[] {0, 3}), "'gather'",
          "index 3", "[2, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.permute(var(2, 3), 0), "'permute'");
      assertMessage(IllegalArgumentException.class, () -> Ops.sum(var(2, 3), false, 2), "'sum'", "axis 2");
      assertMessage(IllegalArgumentException.class, () -> Ops.concat(0, List.of(var(2, 3), var(2, 4))), "'concat'",
          "[2, 4]", "[2, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.broadcastTo(var(2, 3), 4, 3), "'broadcastTo'",
          "[2, 3]", "[4, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.maxPool2x2(var(1, 1, 1, 4)), "'maxPool2x2'");
      assertMessage(IllegalArgumentException.class, () -> Ops.softmaxCrossEntropy(var(2, 3), var(3, 2), 1),
          "'softmaxCrossEntropy'", "[2, 3]", "[3, 2]");
      assertMessage(IllegalArgumentException.class, () -> Ops.mse(var(2, 3), var(2)), "'mse'", "[2, 3]", "[2]");
    }

    @Test
    void broadcastToAndSumToRejectTargetsThatAreNotBroadcastsOfTheInput() {
      // [2,3] is broadcast-compatible with [3] and [2,1] with [1,3], but neither is a broadcast *to* the target.
      assertMessage(IllegalArgumentException.class, () -> Ops.broadcastTo(var(2, 3), 3), "'broadcastTo'", "[2, 3]",
          "[3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.broadcastTo(var(2, 1), 1, 3), "'broadcastTo'", "[2, 1]",
          "[1, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.sumTo(var(3), 2, 3), "'sumTo'", "[3]", "[2, 3]");
      assertMessage(IllegalArgumentException.class, () -> Ops.sumTo(var(1, 3), 2, 1), "'sumTo'", "[1, 3]", "[2, 1]");
    }
  }

  @Nested
  class GradArguments {
    @Test
    void nonScalarOutputWithoutUpstream() {
      Tensor x = var(2, 3);
      Tensor y = Ops.mul(x, x);
      assertMessage(IllegalArgumentException.class, () -> Autodiff.grad(y, x, false), "not a scalar", "[2, 3]",
          "from mul");
    }

    @Test
    void upstreamOfWrongShape() {
      Tensor x = var(2, 3);
      Tensor y = Ops.exp(x);
      Tensor up = Tensor.constant(Nd4j.ones(DataType.DOUBLE, 3, 2));
      assertMessage(IllegalArgumentException.class,
          () -> Autodiff.grad(List.of(y), List.of(up), List.of(x), false, false), "upstream", "[2, 3]", "[3, 2]");
      assertMessage(IllegalArgumentException.class,
          () -> Autodiff.grad(List.of(y), List.of(up, up), List.of(x), false, false), "1 outputs", "2 upstream");
    }

    @Test
    void wrtTheOutputDoesNotDependOn() {
      Tensor x = var(2, 3);
      Tensor unused = Tensor.variable(uniform(3, -1, 1, 4), "unused");
      Tensor y = Ops.sum(Ops.square(x), false);
      String m = assertMessage(IllegalArgumentException.class,
          () -> Autodiff.grad(List.of(y), null, List.of(x, unused), false, false), "do not depend on wrt[1]",
          "'unused'", "[4]", "allowUnused");
      assertFalse(m.isEmpty());
      List<Tensor> g = Autodiff.grad(List.of(y), null, List.of(x, unused), false, true);
      assertArrayEquals(new long[] {4}, g.get(1).shape());
      assertEquals(0.0, g.get(1).value().norm2Number().doubleValue(), 0.0);
      // and the used one is still right: d/dx Σ x² = 2x
      assertTrue(g.get(0).value().equalsWithEps(x.value().mul(2), 1e-15));
    }

    @Test
    void wrtThatDoesNotRequireGrad() {
      Tensor x = var(2, 3);
      Tensor c = Tensor.constant(uniform(4, -1, 1, 2, 3));
      Tensor y = Ops.sum(Ops.mul(x, c), false);
      assertMessage(IllegalArgumentException.class, () -> Autodiff.grad(y, c, false), "wrt[0]",
          "does not require grad", "[2, 3]");
    }

    @Test
    void outputThatDoesNotRequireGrad() {
      Tensor x = var(2);
      Tensor c = Ops.sum(Tensor.constant(uniform(4, -1, 1, 2)), false);
      assertMessage(IllegalArgumentException.class, () -> Autodiff.grad(c, x, false), "outputs[0]",
          "does not require grad");
      assertMessage(IllegalArgumentException.class, () -> Autodiff.grad(List.of(), null, List.of(x), false, false),
          "no outputs");
    }
  }

  @Nested
  class AnomalyMode {
    @Test
    void logOfANegativeNumberIsLocatedInTheForwardPass() {
      Tensor x = Tensor.variable(Nd4j.createFromArray(1.0, -2.0, 3.0));
      // Off by default: NaN flows silently.
      Tensor quiet = Ops.log(x);
      assertTrue(Double.isNaN(quiet.value().getDouble(1)));
      try (var s = Anomaly.detect()) {
        assertTrue(Anomaly.isOn());
        assertMessage(Anomaly.AnomalyException.class, () -> Ops.log(x), "op 'log'", "[3]");
      }
      assertFalse(Anomaly.isOn(), "closing the scope turns detection off again");
      assertDoesNotThrow(() -> Ops.log(x));
    }

    @Test
    void infinityFromDivisionIsNamed() {
      Tensor a = var(2);
      Tensor z = Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2));
      try (var s = Anomaly.detect()) {
        assertMessage(Anomaly.AnomalyException.class, () -> Ops.div(a, z), "op 'div'");
      }
    }

    @Test
    void nanOnlyInTheBackwardPassIsLocatedAsBackwardOfTheForwardOp() {
      // sqrt(0) = 0 is fine going forward; its derivative 1/(2·sqrt(0)) is infinite.
      Tensor x = Tensor.variable(Nd4j.createFromArray(0.0, 4.0));
      try (var s = Anomaly.detect()) {
        Tensor y = Ops.sum(Ops.sqrt(x), false);
        assertEquals(2.0, y.item(), 0.0);
        String m = assertMessage(Anomaly.AnomalyException.class, () -> Autodiff.grad(y, x, false),
            "backward of op 'sqrt'");
        assertFalse(m.contains("backward of op 'sum'"), m);
      }
      // Without anomaly mode the same gradient is simply infinite.
      Tensor g = Autodiff.grad(Ops.sum(Ops.sqrt(x), false), x, false);
      assertTrue(Double.isInfinite(g.value().getDouble(0)));
      assertEquals(0.25, g.value().getDouble(1), 1e-15);
    }

    @Test
    void backwardAnomalyInASecondOrderGradientNamesTheOpOfTheFirstBackward() {
      // f = Σ x^1.5: f' = 1.5·x^0.5 is 0 at x = 0, but f'' = 0.75·x^-0.5 is infinite there. The
      // first gradient is clean; the second pass differentiates the pow(x, 0.5) that pow's
      // backward recorded, and its backward overflows.
      Tensor x = Tensor.variable(Nd4j.createFromArray(0.0, 1.0));
      try (var s = Anomaly.detect()) {
        Tensor g = Autodiff.grad(Ops.sum(Ops.pow(x, 1.5), false), x, true);
        assertEquals(0.0, g.value().getDouble(0), 0.0);
        assertMessage(Anomaly.AnomalyException.class, () -> Autodiff.grad(Ops.sum(g, false), x, false),
            "backward of op 'pow'");
      }
    }
  }

  @Nested
  class GradModeScopes {
    @Test
    void noGradProducesConstantsAndRestores() {
      Tensor x = var(2, 3);
      assertTrue(GradMode.isEnabled());
      try (var s = GradMode.noGrad()) {
        assertFalse(GradMode.isEnabled());
        Tensor y = Ops.exp(Ops.mul(x, x));
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertNull(y.opName());
        try (var t = GradMode.enableGrad()) {
          Tensor z = Ops.exp(x);
          assertTrue(z.requiresGrad());
          assertEquals("exp", z.opName());
        }
        assertFalse(GradMode.isEnabled(), "inner scope restores the outer mode");
      }
      assertTrue(GradMode.isEnabled());
      assertTrue(Ops.exp(x).requiresGrad());
    }

    @Test
    void opsOfConstantsAreConstants() {
      Tensor c = Tensor.constant(uniform(1, -1, 1, 2, 3));
      Tensor y = Ops.tanh(Ops.add(c, c));
      assertFalse(y.requiresGrad());
      assertTrue(y.isLeaf());
    }

    @Test
    void createGraphDecidesWhetherGradientsAreDifferentiable() {
      Tensor x = var(3);
      Tensor y = Ops.sum(Ops.pow(x, 3), false);
      Tensor g0 = Autodiff.grad(y, x, false);
      assertFalse(g0.requiresGrad());
      assertTrue(g0.isLeaf());
      Tensor g1 = Autodiff.grad(y, x, true);
      assertTrue(g1.requiresGrad());
      assertFalse(g1.isLeaf());
      assertTrue(g0.value().equalsWithEps(g1.value(), 0.0));
      // The differentiable one gives the second derivative 6x.
      Tensor h = Autodiff.grad(Ops.sum(g1, false), x, false);
      INDArray expected = x.value().mul(6);
      assertTrue(h.value().equalsWithEps(expected, 1e-14), h.value() + " vs " + expected);
      assertTrue(GradMode.isEnabled(), "grad restores the caller's grad mode");
    }

    @Test
    void createGraphWorksEvenWhenCalledUnderNoGrad() {
      Tensor x = var(3);
      Tensor y = Ops.sum(Ops.pow(x, 3), false);
      try (var s = GradMode.noGrad()) {
        Tensor g = Autodiff.grad(y, x, true);
        assertTrue(g.requiresGrad());
        assertFalse(GradMode.isEnabled(), "grad restores noGrad on return");
      }
    }

    @Test
    void detachAndAsVariable() {
      Tensor x = var(2);
      Tensor y = Ops.exp(x);
      assertAll(
          () -> assertFalse(y.detach().requiresGrad()),
          () -> assertTrue(y.asVariable().requiresGrad()),
          () -> assertTrue(y.asVariable().isLeaf()),
          () -> assertTrue(y.detach().value() == y.value()));
    }
  }
}
