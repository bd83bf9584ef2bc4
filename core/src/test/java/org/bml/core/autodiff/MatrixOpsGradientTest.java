package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.bml.core.check.GradientCheck;
import org.bml.core.check.Nd4jThreads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The small-matrix ops ({@link Ops#inverse}, {@link Ops#logDetSpd}, {@link Ops#logDetKronecker})
 * against an elimination oracle and central finite differences in float64 (ε = 1e-6 for gradients,
 * 1e-5 for Hessian-vector products; tolerance 1e-6 relative, as {@code OpGradientTest}).
 */
class MatrixOpsGradientTest {
  static final double TOL = 1e-6;

  @BeforeAll
  static void oneThread() {
    Nd4jThreads.single();
  }

  // B well-conditioned SPD matrices X Xᵀ/n + I (seeded).
  static INDArray spd(long seed, int batch, int n) {
    INDArray out = Nd4j.create(DataType.DOUBLE, batch, n, n);
    for (int b = 0; b < batch; b++) {
      INDArray x = GradientCheck.uniform(seed + b, -1, 1, n, n + 2);
      out.putSlice(b, x.mmul(x.transpose()).divi(n).addi(Nd4j.eye(n).castTo(DataType.DOUBLE)));
    }
    return out;
  }

  // The oracle: log |det| by Gaussian elimination with partial pivoting (core has no Hipparchus).
  static double eliminationLogDet(INDArray m) {
    double[][] a = m.toDoubleMatrix();
    int n = a.length;
    double ld = 0;
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
          p = r;
        }
      }
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      ld += Math.log(Math.abs(a[c][c]));
      for (int r = c + 1; r < n; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k < n; k++) {
          a[r][k] -= f * a[c][k];
        }
      }
    }
    return ld;
  }

  @Test
  void logDetSpdMatchesHipparchusAndItsGradientAndHvpMatchFiniteDifferences() {
    INDArray m = spd(3, 2, 4);
    Tensor ld = Ops.logDetSpd(Tensor.constant(m));
    assertEquals(2, ld.length());
    for (int b = 0; b < 2; b++) {
      assertEquals(eliminationLogDet(m.slice(b)), ld.value().getDouble(b), 1e-12);
    }
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(Ops.logDetSpd(xs.get(0)), 17);
    assertTrue(GradientCheck.gradientError(f, List.of(m), 1e-6) < TOL, "gradient");
    INDArray dir = GradientCheck.uniform(5, -1, 1, 2, 4, 4);
    assertTrue(GradientCheck.hvpError(f, List.of(m), List.of(dir), 1e-5) < TOL, "Hessian-vector product");
    // Unbatched: a scalar.
    Tensor one = Ops.logDetSpd(Tensor.constant(m.slice(0).dup()));
    assertEquals(0, one.rank());
    assertEquals(eliminationLogDet(m.slice(0)), one.item(), 1e-12);
  }

  @Test
  void inverseIsTheInverseAndIsTwiceDifferentiable() {
    INDArray m = spd(7, 2, 3).addi(GradientCheck.uniform(8, -0.2, 0.2, 2, 3, 3)); // not symmetric
    Tensor inv = Ops.inverse(Tensor.constant(m));
    for (int b = 0; b < 2; b++) {
      double[][] prod = m.slice(b).mmul(inv.value().slice(b)).toDoubleMatrix();
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          assertEquals(i == j ? 1 : 0, prod[i][j], 1e-12);
        }
      }
    }
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(Ops.inverse(xs.get(0)), 23);
    assertTrue(GradientCheck.gradientError(f, List.of(m), 1e-6) < TOL, "gradient");
    INDArray dir = GradientCheck.uniform(9, -1, 1, 2, 3, 3);
    assertTrue(GradientCheck.hvpError(f, List.of(m), List.of(dir), 1e-5) < TOL, "Hessian-vector product");
  }

  @Test
  void logDetKroneckerEqualsTheDenseLogDetAndItsGradientMatchesFiniteDifferences() {
    INDArray a = spd(11, 2, 3);
    INDArray g = spd(13, 2, 2);
    INDArray tau = Nd4j.createFromArray(0.3, 0.05);
    Tensor ld = Ops.logDetKronecker(Tensor.constant(a), Tensor.constant(g), Tensor.constant(tau));
    for (int b = 0; b < 2; b++) {
      INDArray kron = Nd4j.create(DataType.DOUBLE, 6, 6);
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          for (int k = 0; k < 2; k++) {
            for (int l = 0; l < 2; l++) {
              kron.putScalar(i * 2 + k, j * 2 + l, a.getDouble(b, i, j) * g.getDouble(b, k, l) + (i == j && k == l
                  ? tau.getDouble(b) : 0));
            }
          }
        }
      }
      assertEquals(eliminationLogDet(kron), ld.value().getDouble(b), 1e-11);
    }
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(Ops.logDetKronecker(xs.get(0), xs.get(1), xs.get(2)),
        29);
    assertTrue(GradientCheck.gradientError(f, List.of(a, g, tau), 1e-6) < TOL, "gradient");
    // A scalar shift shared by the batch.
    Function<List<Tensor>, Tensor> shared = xs -> Ops.sum(Ops.logDetKronecker(xs.get(0), xs.get(1), xs.get(2)), false);
    assertTrue(GradientCheck.gradientError(shared, List.of(a, g, Nd4j.scalar(0.2)), 1e-6) < TOL, "scalar shift");
  }

  @Test
  void logDetKroneckerRefusesSecondOrder() {
    Tensor a = Tensor.variable(spd(1, 1, 2));
    Tensor g = Tensor.variable(spd(2, 1, 2));
    Tensor ld = Ops.sum(Ops.logDetKronecker(a, g, Ops.scalar(0.1, DataType.DOUBLE)), false);
    assertThrows(UnsupportedOperationException.class, () -> Autodiff.grad(ld, List.of(a, g), true));
    assertEquals(2, Autodiff.grad(ld, List.of(a, g), false).size());
  }

  @Test
  void notPositiveDefiniteIsAClearErrorNotNaN() {
    INDArray indefinite = Nd4j.createFromArray(new double[][] {{1, 2}, {2, 1}}).reshape(1, 2, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ops.logDetSpd(Tensor.constant(indefinite)));
    assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    INDArray zero = Nd4j.zeros(DataType.DOUBLE, 1, 2, 2);
    e = assertThrows(IllegalArgumentException.class, () -> Ops.logDetKronecker(Tensor.constant(zero),
        Tensor.constant(spd(1, 1, 2)), Ops.scalar(0, DataType.DOUBLE)));
    assertTrue(e.getMessage().contains("damping"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Ops.inverse(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 2))));
    assertThrows(IllegalArgumentException.class, () -> Ops.logDetSpd(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3))));
  }
}
