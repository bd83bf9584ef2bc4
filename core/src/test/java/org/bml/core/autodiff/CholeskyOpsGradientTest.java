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
 * {@link Cholesky}, {@link TriangularSolve} and {@link LogDet}: their values against their defining
 * identities (L Lᵀ = A, L X = B, the elimination log det), gradients and Hessian-vector products
 * against central finite differences in float64 (ε = 1e-6 / 1e-5, tolerance 1e-6 relative, as
 * {@code MatrixOpsGradientTest}), batched and unbatched, and their errors.
 */
class CholeskyOpsGradientTest {
  private static final double TOL = MatrixOpsGradientTest.TOL;

  @BeforeAll
  static void oneThread() {
    Nd4jThreads.single();
  }

  // A well-conditioned lower-triangular matrix: L of an SPD matrix.
  private static INDArray lowerFactor(long seed, int batch, int n) {
    return Cholesky.factor(Tensor.constant(MatrixOpsGradientTest.spd(seed, batch, n))).value();
  }

  @Test
  void factorReproducesTheMatrixAndIsLowerTriangular() {
    INDArray a = MatrixOpsGradientTest.spd(3, 2, 5);
    INDArray l = Cholesky.factor(Tensor.constant(a)).value();
    for (int b = 0; b < 2; b++) {
      INDArray lb = l.slice(b);
      assertTrue(lb.mmul(lb.transpose()).equalsWithEps(a.slice(b), 1e-12), "L Lᵀ = A");
      for (int i = 0; i < 5; i++) {
        assertTrue(lb.getDouble(i, i) > 0, "positive diagonal");
        for (int j = i + 1; j < 5; j++) {
          assertEquals(0.0, lb.getDouble(i, j), "upper triangle");
        }
      }
    }
  }

  @Test
  void factorGradientAndHvpMatchFiniteDifferences() {
    for (INDArray a : List.of(MatrixOpsGradientTest.spd(4, 2, 4), MatrixOpsGradientTest.spd(6, 1, 3).slice(0).dup())) {
      Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(Cholesky.factor(xs.get(0)), 11);
      assertTrue(GradientCheck.gradientError(f, List.of(a), 1e-6) < TOL, "gradient");
      INDArray dir = GradientCheck.uniform(7, -1, 1, a.shape());
      assertTrue(GradientCheck.hvpError(f, List.of(a), List.of(dir), 1e-5) < TOL, "Hessian-vector product");
    }
  }

  @Test
  void solvesSatisfyTheirSystemsAndTheirDerivativesMatchFiniteDifferences() {
    INDArray l = lowerFactor(8, 2, 4);
    INDArray b = GradientCheck.uniform(9, -1, 1, 2, 4, 3);
    for (boolean transpose : new boolean[] {false, true}) {
      INDArray x = TriangularSolve.lower(Tensor.constant(l), Tensor.constant(b), transpose).value();
      for (int t = 0; t < 2; t++) {
        INDArray lt = transpose ? l.slice(t).transpose() : l.slice(t);
        assertTrue(lt.mmul(x.slice(t)).equalsWithEps(b.slice(t), 1e-12), "solve, transpose " + transpose);
      }
      Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(
          TriangularSolve.lower(xs.get(0), xs.get(1), transpose), 13);
      // Perturb L within its lower triangle, the part the op reads.
      INDArray mask = Cholesky.lowerMask(4, DataType.DOUBLE);
      INDArray dl = GradientCheck.uniform(14, -1, 1, 2, 4, 4).muli(Nd4j.stack(0, mask, mask));
      INDArray db = GradientCheck.uniform(15, -1, 1, 2, 4, 3);
      assertTrue(GradientCheck.gradientError(f, List.of(l, b), 1e-6) < TOL, "gradient, transpose " + transpose);
      assertTrue(GradientCheck.hvpError(f, List.of(l, b), List.of(dl, db), 1e-5) < TOL, "HVP, transpose " + transpose);
    }
    // Unbatched.
    INDArray l2 = l.slice(0).dup();
    INDArray b2 = b.slice(0).dup();
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(TriangularSolve.lower(xs.get(0), xs.get(1), true), 3);
    assertTrue(GradientCheck.gradientError(f, List.of(l2, b2), 1e-6) < TOL, "unbatched gradient");
  }

  @Test
  void logDetMatchesEliminationAndLogDetSpdToSecondOrder() {
    INDArray a = MatrixOpsGradientTest.spd(12, 3, 4);
    Tensor ld = LogDet.spd(Tensor.constant(a));
    Tensor reference = Ops.logDetSpd(Tensor.constant(a));
    for (int b = 0; b < 3; b++) {
      assertEquals(MatrixOpsGradientTest.eliminationLogDet(a.slice(b)), ld.value().getDouble(b), 1e-12);
      assertEquals(reference.value().getDouble(b), ld.value().getDouble(b), 1e-12);
    }
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(LogDet.spd(xs.get(0)), 21);
    assertTrue(GradientCheck.gradientError(f, List.of(a), 1e-6) < TOL, "gradient");
    INDArray dir = GradientCheck.uniform(22, -1, 1, 3, 4, 4);
    assertTrue(GradientCheck.hvpError(f, List.of(a), List.of(dir), 1e-5) < TOL, "Hessian-vector product");
    // Same gradient and Hessian-vector product as the existing op (both are of the symmetric part).
    Function<List<Tensor>, Tensor> g = xs -> GradientCheck.probe(Ops.logDetSpd(xs.get(0)), 21);
    assertTrue(GradientCheck.relativeError(GradientCheck.gradient(f, List.of(a)), GradientCheck.gradient(g, List.of(a)))
        < 1e-10, "gradient equals logDetSpd's");
    assertTrue(GradientCheck.relativeError(GradientCheck.hessianVectorProduct(f, List.of(a), List.of(dir)),
        GradientCheck.hessianVectorProduct(g, List.of(a), List.of(dir))) < 1e-10, "HVP equals logDetSpd's");
    assertEquals(0, LogDet.spd(Tensor.constant(a.slice(0).dup())).rank());
  }

  @Test
  void errorsNameTheProblem() {
    INDArray notPd = Nd4j.createFromArray(new double[][] {{1, 2}, {2, 1}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cholesky.factor(Tensor.constant(notPd)));
    assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Cholesky.factor(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3))));
    assertTrue(e.getMessage().contains("square"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TriangularSolve.lower(
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 2)), Tensor.constant(Nd4j.ones(DataType.DOUBLE, 2, 1)), false));
    assertTrue(e.getMessage().contains("diagonal"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TriangularSolve.lower(
        Tensor.constant(Nd4j.eye(2).castTo(DataType.DOUBLE)), Tensor.constant(Nd4j.ones(DataType.DOUBLE, 3, 1)), false));
    assertTrue(e.getMessage().contains("triangularSolve"), e.getMessage());
  }
}
