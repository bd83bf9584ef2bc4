package org.bml.core.autodiff;

import static org.bml.core.check.GradientCheck.uniform;
import static org.bml.core.check.GradientCheck.uniformAwayFromZero;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bml.core.check.Nd4jThreads;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Derivatives of order three and four by nesting {@code Autodiff.grad(..., createGraph=true)} are
 * exact (to rounding) on polynomials, where the expected values are known in closed form.
 * Separable functions make Σ of a gradient's entries a scalar whose gradient is the next
 * derivative entry by entry.
 */
class HigherOrderProperties {
  @BeforeContainer
  static void oneThread() {
    Nd4jThreads.single();
  }

  @AfterContainer
  static void restoreThreads() {
    Nd4jThreads.restore();
  }


  private static Tensor sumGrad(Tensor y, Tensor x) {
    return Ops.sum(Autodiff.grad(y, x, true), false);
  }

  /** |got − expected| ≤ tol · max(1, |expected|) entry by entry. */
  private static void assertClose(INDArray expected, INDArray got, double tol, String what) {
    double[] e = expected.dup().data().asDouble();
    double[] g = got.dup().data().asDouble();
    for (int i = 0; i < e.length; i++) {
      assertTrue(Math.abs(g[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])),
          what + "[" + i + "]: expected " + e[i] + ", got " + g[i]);
    }
  }

  @Property(tries = 100, seed = "31415926")
  void thirdAndFourthDerivativesOfAQuarticAreExact(@ForAll @IntRange(min = 1, max = 6) int n, @ForAll long seed) {
    INDArray xv = uniformAwayFromZero(seed, 0.1, 2, n);
    INDArray c = uniform(seed + 1, -2, 2, n);
    INDArray d = uniform(seed + 2, -2, 2, n);
    INDArray a = uniform(seed + 3, -2, 2, n);
    INDArray b = uniform(seed + 4, -2, 2, n);
    Tensor x = Tensor.variable(xv);
    // f = Σ c x⁴ + d x³ + a x² + b x, with x⁴ as (x²)² and x³ via pow to cover both paths.
    Tensor f = Ops.add(
        Ops.add(Ops.sum(Ops.mul(Tensor.constant(c), Ops.square(Ops.square(x))), false),
            Ops.sum(Ops.mul(Tensor.constant(d), Ops.pow(x, 3)), false)),
        Ops.add(Ops.sum(Ops.mul(Tensor.constant(a), Ops.square(x)), false),
            Ops.sum(Ops.mul(Tensor.constant(b), x), false)));
    Tensor g1 = Autodiff.grad(f, x, true);
    assertClose(c.mul(xv.mul(xv).mul(xv)).mul(4).add(d.mul(xv.mul(xv)).mul(3)).add(a.mul(xv).mul(2)).add(b),
        g1.value(), 1e-13, "f'");
    Tensor g2 = Autodiff.grad(Ops.sum(g1, false), x, true);
    assertClose(c.mul(xv.mul(xv)).mul(12).add(d.mul(xv).mul(6)).add(a.mul(2)), g2.value(), 1e-13, "f''");
    Tensor g3 = Autodiff.grad(Ops.sum(g2, false), x, true);
    assertClose(c.mul(xv).mul(24).add(d.mul(6)), g3.value(), 1e-12, "f'''");
    Tensor g4 = Autodiff.grad(List.of(Ops.sum(g3, false)), null, List.of(x), false, false).get(0);
    assertClose(c.mul(24), g4.value(), 1e-12, "f''''");
    assertFalse(g4.requiresGrad(), "createGraph=false ends the chain with a constant");
  }

  @Property(tries = 100, seed = "27182818")
  void mixedThirdDerivativeOfAProductIsExactInAnyOrder(@ForAll @IntRange(min = 1, max = 6) int n,
      @ForAll long seed) {
    INDArray av = uniform(seed, -2, 2, n);
    Tensor x = Tensor.variable(uniform(seed + 1, -2, 2, n));
    Tensor y = Tensor.variable(uniform(seed + 2, -2, 2, n));
    Tensor z = Tensor.variable(uniform(seed + 3, -2, 2, n));
    Tensor a = Tensor.constant(av);
    // f = Σ a x² y z + Σ x y + Σ z³: ∂³f/∂x∂y∂z = 2 a x entry by entry; the lower-order terms
    // vanish on the way (their derivatives become constants or drop out).
    Tensor f = Ops.add(Ops.add(Ops.sum(Ops.mul(Ops.mul(a, Ops.square(x)), Ops.mul(y, z)), false),
        Ops.sum(Ops.mul(x, y), false)), Ops.sum(Ops.pow(z, 3), false));
    INDArray expected = av.mul(x.value()).mul(2);
    // x, then y, then z
    Tensor xyz = Autodiff.grad(List.of(sumGrad(sumGrad(f, x), y)), null, List.of(z), false, false).get(0);
    assertClose(expected, xyz.value(), 1e-12, "f_xyz");
    // z, then y, then x: the same mixed derivative reached through other graphs
    Tensor zyx = Autodiff.grad(List.of(sumGrad(sumGrad(f, z), y)), null, List.of(x), false, false).get(0);
    assertClose(expected, zyx.value(), 1e-12, "f_zyx");
    // ∂²/∂x∂y = 2 a x z + 1
    Tensor xy = Autodiff.grad(sumGrad(f, x), y, false);
    assertClose(av.mul(x.value()).mul(z.value()).mul(2).add(1.0), xy.value(), 1e-12, "f_xy");
  }
}
