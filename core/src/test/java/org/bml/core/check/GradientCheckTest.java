package org.bml.core.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oracles themselves: exact on known derivatives, sensitive to wrong ones, strict on arguments. */
class GradientCheckTest {
  private static final Function<List<Tensor>, Tensor> CUBE = xs -> Ops.sum(Ops.pow(xs.get(0), 3), false);

  @Test
  void knownGradientAndHessianOfACube() {
    INDArray x = GradientCheck.uniform(1, -2, 2, 3, 4);
    INDArray v = GradientCheck.uniform(2, -1, 1, 3, 4);
    // ∇ Σ x³ = 3x², H v = 6 x ⊙ v
    INDArray g = GradientCheck.gradient(CUBE, List.of(x)).get(0);
    assertTrue(g.equalsWithEps(x.mul(x).mul(3), 1e-13), g.toString());
    INDArray hv = GradientCheck.hessianVectorProduct(CUBE, List.of(x), List.of(v)).get(0);
    assertTrue(hv.equalsWithEps(x.mul(v).mul(6), 1e-13), hv.toString());
    // Central differences of a cubic have truncation error ε² exactly (f''' = 6): ~1e-12 here.
    INDArray n = GradientCheck.numericGradient(CUBE, List.of(x), 1e-6).get(0);
    assertTrue(n.equalsWithEps(x.mul(x).mul(3), 1e-8), n.toString());
    assertTrue(GradientCheck.gradientError(CUBE, List.of(x), 1e-6) < 1e-8);
    assertTrue(GradientCheck.hvpError(CUBE, List.of(x), List.of(v), 1e-5) < 1e-8);
    // The inputs are not modified.
    assertTrue(x.equalsWithEps(GradientCheck.uniform(1, -2, 2, 3, 4), 0.0));
  }

  @Test
  void wrongGradientIsDetected() {
    // x ⊙ detach(x): the value is Σ x², the recorded gradient only x instead of 2x.
    Function<List<Tensor>, Tensor> f = xs -> Ops.sum(Ops.mul(xs.get(0), xs.get(0).detach()), false);
    INDArray x = GradientCheck.uniform(3, -1, 1, 5);
    double err = GradientCheck.gradientError(f, List.of(x), 1e-6);
    assertEquals(0.5, err, 1e-6, "‖x − 2x‖ / ‖2x‖");
  }

  @Test
  void wrongSecondDerivativeWithRightGradientIsDetected() {
    // f = Σ x ⊙ detach(3x²) records the gradient 3x² (that of Σ x³) as a constant of the graph,
    // as a backward rule written with raw arrays would: the analytic HVP is 0, while differences
    // of the analytic gradient at x ± εv give 6x ⊙ v.
    Function<List<Tensor>, Tensor> f = xs -> {
      Tensor x = xs.get(0);
      Tensor slope = Ops.mulScalar(Ops.square(x), 3.0).detach();
      return Ops.sum(Ops.mul(x, slope), false);
    };
    INDArray x = GradientCheck.uniform(4, 0.5, 1.5, 4);
    INDArray v = GradientCheck.uniform(5, -1, 1, 4);
    assertEquals(1.0, GradientCheck.hvpError(f, List.of(x), List.of(v), 1e-5), 1e-6,
        "analytic HVP is 0, numeric is 6x⊙v: relative error 1");
  }

  @Test
  void inputsTheFunctionIgnoresGetZeroGradients() {
    Function<List<Tensor>, Tensor> f = xs -> Ops.sum(Ops.exp(xs.get(0)), false);
    List<INDArray> at = List.of(GradientCheck.uniform(1, -1, 1, 2), GradientCheck.uniform(2, -1, 1, 3));
    List<INDArray> g = GradientCheck.gradient(f, at);
    assertEquals(0.0, g.get(1).norm2Number().doubleValue(), 0.0);
    assertTrue(GradientCheck.gradientError(f, at, 1e-6) < 1e-8);
    // An affine function has a zero Hessian; both sides agree on 0.
    Function<List<Tensor>, Tensor> affine = xs -> Ops.sum(Ops.mulScalar(xs.get(0), 2.0), false);
    assertEquals(0.0, GradientCheck.hvpError(affine, at.subList(0, 1), at.subList(0, 1), 1e-5), 1e-9);
  }

  @Test
  void relativeErrorIsNormWiseOverAllInputs() {
    List<INDArray> a = List.of(Nd4j.createFromArray(3.0, 0.0), Nd4j.createFromArray(4.0));
    List<INDArray> b = List.of(Nd4j.createFromArray(3.0, 0.0), Nd4j.createFromArray(4.5));
    assertEquals(0.5 / Math.sqrt(9 + 4.5 * 4.5), GradientCheck.relativeError(a, b), 1e-15);
    assertEquals(0.0, GradientCheck.relativeError(List.of(Nd4j.zeros(DataType.DOUBLE, 2)),
        List.of(Nd4j.zeros(DataType.DOUBLE, 2))), 0.0);
    assertTrue(Double.isNaN(GradientCheck.relativeError(List.of(Nd4j.createFromArray(Double.NaN)),
        List.of(Nd4j.createFromArray(1.0)))), "NaN must not pass a tolerance check");
  }

  @Test
  void probeIsTheDocumentedQuadraticForm() {
    Tensor y = Tensor.variable(GradientCheck.uniform(6, -1, 1, 2, 3));
    Tensor p = GradientCheck.probe(y, 42);
    assertEquals(0, p.rank());
    assertEquals(p.item(), GradientCheck.probe(y, 42).item(), 0.0, "same seed, same probe");
    assertNotEquals(p.item(), GradientCheck.probe(y, 43).item());
    // ∇_y probe = R + S ⊙ y, H = diag(S): recover R and S and check their ranges.
    List<INDArray> at = List.of(y.value());
    Function<List<Tensor>, Tensor> f = ys -> GradientCheck.probe(ys.get(0), 42);
    INDArray ones = Nd4j.ones(DataType.DOUBLE, 2, 3);
    INDArray s = GradientCheck.hessianVectorProduct(f, at, List.of(ones)).get(0);
    INDArray r = GradientCheck.gradient(f, at).get(0).sub(s.mul(y.value()));
    for (double sv : s.dup().data().asDouble()) {
      assertTrue(sv >= 0.5 && sv <= 1.5, "S in [0.5, 1.5]: " + sv);
    }
    for (double rv : r.dup().data().asDouble()) {
      assertTrue(rv >= -1 && rv <= 1, "R in [-1, 1]: " + rv);
    }
    double expected = r.mul(y.value()).sumNumber().doubleValue()
        + 0.5 * s.mul(y.value()).mul(y.value()).sumNumber().doubleValue();
    assertEquals(expected, p.item(), 1e-14);
  }

  @Test
  void randomArraysAreSeededAndInRange() {
    INDArray a = GradientCheck.uniform(7, -3, 2, 4, 5);
    assertEquals(DataType.DOUBLE, a.dataType());
    assertArrayEquals(new long[] {4, 5}, a.shape());
    assertTrue(a.equalsWithEps(GradientCheck.uniform(7, -3, 2, 4, 5), 0.0));
    assertFalse(a.equalsWithEps(GradientCheck.uniform(8, -3, 2, 4, 5), 0.0));
    assertTrue(a.minNumber().doubleValue() >= -3 && a.maxNumber().doubleValue() < 2);

    INDArray b = GradientCheck.uniformAwayFromZero(7, 0.1, 1, 50);
    double[] bv = b.toDoubleVector();
    assertTrue(Arrays.stream(bv).allMatch(x -> Math.abs(x) >= 0.1 && Math.abs(x) <= 1));
    assertTrue(Arrays.stream(bv).anyMatch(x -> x < 0) && Arrays.stream(bv).anyMatch(x -> x > 0));

    INDArray c = GradientCheck.distinct(9, 0.1, 2, 3, 4, 2);
    double[] cv = c.dup().data().asDouble();
    double gap = 0.4 * (2 - 0.1) / 24;
    for (int i = 0; i < cv.length; i++) {
      assertTrue(Math.abs(cv[i]) >= 0.1 && Math.abs(cv[i]) <= 2);
      for (int j = i + 1; j < cv.length; j++) {
        assertTrue(Math.abs(cv[i] - cv[j]) >= gap - 1e-15, "values " + i + ", " + j + " too close");
      }
    }
    assertEquals(0, GradientCheck.uniform(1, 0, 1).rank(), "shape [] gives a scalar");
  }

  @Test
  void argumentsAreValidated() {
    INDArray x = GradientCheck.uniform(1, -1, 1, 2, 3);
    INDArray xf = x.castTo(DataType.FLOAT);
    Function<List<Tensor>, Tensor> sum = xs -> Ops.sum(xs.get(0), false);
    assertMessage(() -> GradientCheck.gradientError(sum, List.of(xf), 1e-6), "input 0", "FLOAT", "DOUBLE");
    assertMessage(() -> GradientCheck.gradientError(sum, List.of(), 1e-6), "no inputs");
    assertMessage(() -> GradientCheck.gradientError(sum, List.of(x), 0), "eps");
    assertMessage(() -> GradientCheck.gradientError(sum, List.of(x), Double.NaN), "eps");
    assertMessage(() -> GradientCheck.gradientError(null, List.of(x), 1e-6), "function");
    assertMessage(() -> GradientCheck.gradientError(xs -> Ops.exp(xs.get(0)), List.of(x), 1e-6), "scalar", "[2, 3]");
    assertMessage(() -> GradientCheck.gradientError(xs -> Ops.sum(Tensor.constant(xf), false), List.of(x), 1e-6),
        "FLOAT");
    assertMessage(() -> GradientCheck.hvpError(sum, List.of(x), List.of(x.reshape(3, 2)), 1e-5), "direction 0",
        "[3, 2]", "[2, 3]");
    assertMessage(() -> GradientCheck.hvpError(sum, List.of(x), List.of(x, x), 1e-5), "2 direction", "1 inputs");
    assertMessage(() -> GradientCheck.hvpError(sum, List.of(x), List.of(xf), 1e-5), "direction 0", "FLOAT");
    assertMessage(() -> GradientCheck.hvpError(sum, List.of(x), null, 1e-5), "direction");
    assertMessage(() -> GradientCheck.uniform(1, 2, 1, 3), "lo <= hi");
    assertMessage(() -> GradientCheck.uniformAwayFromZero(1, -1, 1, 3), "minAbs");
    assertMessage(() -> GradientCheck.distinct(1, 1, 1, 3), "minAbs < maxAbs");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable run, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
    }
  }
}
