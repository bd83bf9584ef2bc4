package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Cholesky factor on the tape: A = L Lᵀ, L lower triangular with a positive diagonal, for
 * symmetric positive-definite A {@code [n, n]} or batched {@code [B, n, n]}.
 *
 * <p>The factor is of the symmetric part S = (A + Aᵀ)/2, so value and gradient agree for any input
 * (as for {@link Ops#logDetSpd}). Backward (Murray 2016, "Differentiation of the Cholesky
 * decomposition"): with P = Φ(Lᵀ L̄), Φ = lower triangle with the diagonal halved,
 * Ā = sym(L⁻ᵀ P L⁻¹), written with {@link TriangularSolve}, {@link Ops#matmul} and constant masks,
 * so it is differentiable again, to any order. The forward pass is the textbook
 * Cholesky–Banachiewicz recurrence in double precision (the matrices here are small: a GP's
 * support set).
 */
public final class Cholesky {
  private Cholesky() {}

  /** L with L Lᵀ = (A + Aᵀ)/2; a matrix that is not positive definite is an error naming it. */
  public static Tensor factor(Tensor a) {
    int r = a.rank();
    if ((r != 2 && r != 3) || a.size(r - 1) != a.size(r - 2)) {
      throw new IllegalArgumentException("op 'cholesky': needs square matrices [n, n] or [B, n, n], got "
          + Arrays.toString(a.shape()));
    }
    if (!a.dtype().isFPType()) {
      throw new IllegalArgumentException("op 'cholesky': needs a floating dtype, got " + a.dtype());
    }
    int n = Math.toIntExact(a.size(r - 1));
    int batch = r == 3 ? Math.toIntExact(a.size(0)) : 1;
    double[] m = a.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] l = new double[m.length];
    for (int b = 0; b < batch; b++) {
      int o = b * n * n;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
          double s = 0.5 * (m[o + i * n + j] + m[o + j * n + i]);
          for (int k = 0; k < j; k++) {
            s -= l[o + i * n + k] * l[o + j * n + k];
          }
          if (i == j) {
            if (!(s > 0) || !Double.isFinite(s)) {
              throw new IllegalArgumentException("op 'cholesky': matrix " + b + " of " + Arrays.toString(a.shape())
                  + " is not positive definite (pivot " + i + " is " + s + ")");
            }
            l[o + i * n + i] = Math.sqrt(s);
          } else {
            l[o + i * n + j] = s / l[o + j * n + j];
          }
        }
      }
    }
    INDArray v = Nd4j.create(l, a.shape(), DataType.DOUBLE).castTo(a.dtype());
    return Ops.record("cholesky", v, new Tensor[] {a}, (g, out, need) -> {
      int rr = out.rank();
      Tensor p = Ops.mask(Ops.matmul(out, g, true, false), phiMask(n, a.dtype()));
      // G = L⁻ᵀ P L⁻¹ = (L⁻ᵀ (L⁻ᵀ P)ᵀ)ᵀ
      Tensor y = TriangularSolve.lower(out, p, true);
      Tensor gm = Ops.transpose(TriangularSolve.lower(out, Ops.transpose(y, rr - 2, rr - 1), true), rr - 2, rr - 1);
      return new Tensor[] {Ops.mulScalar(Ops.add(gm, Ops.transpose(gm, rr - 2, rr - 1)), 0.5)};
    });
  }

  // Φ as a mask: 1 below the diagonal, ½ on it, 0 above.
  private static INDArray phiMask(int n, DataType dtype) {
    double[] v = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        v[i * n + j] = 1;
      }
      v[i * n + i] = 0.5;
    }
    return Nd4j.create(v, new long[] {n, n}, DataType.DOUBLE).castTo(dtype);
  }

  /** The lower-triangle mask (diagonal included) {@code [n, n]}. */
  static INDArray lowerMask(int n, DataType dtype) {
    double[] v = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        v[i * n + j] = 1;
      }
    }
    return Nd4j.create(v, new long[] {n, n}, DataType.DOUBLE).castTo(dtype);
  }
}
