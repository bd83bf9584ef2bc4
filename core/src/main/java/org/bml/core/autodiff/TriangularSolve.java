package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Triangular solves on the tape: X = L⁻¹ B or X = L⁻ᵀ B for lower-triangular L {@code [n, n]}
 * or {@code [B, n, n]} and right-hand sides B {@code [n, m]} or {@code [B, n, m]}. Only L's lower
 * triangle is read (its upper triangle gets a zero gradient).
 *
 * <p>Backward, written with this op, {@link Ops#matmul} and a constant mask (so differentiable
 * to any order): for X = L⁻¹ B, B̄ = L⁻ᵀ X̄ and L̄ = −tril(B̄ Xᵀ); for X = L⁻ᵀ B, B̄ = L⁻¹ X̄ and
 * L̄ = −tril(X B̄ᵀ). The forward pass is forward/back substitution in double precision.
 */
public final class TriangularSolve {
  private TriangularSolve() {}

  /** L⁻¹ B ({@code transpose} false) or L⁻ᵀ B (true); a zero or non-finite diagonal is an error. */
  public static Tensor lower(Tensor l, Tensor b, boolean transpose) {
    Ops.checkSameDtype("triangularSolve", l, b);
    int r = l.rank();
    if ((r != 2 && r != 3) || l.size(r - 1) != l.size(r - 2) || b.rank() != r || b.size(r - 2) != l.size(r - 1)
        || (r == 3 && b.size(0) != l.size(0))) {
      throw new IllegalArgumentException("op 'triangularSolve': needs L [n, n] with B [n, m], or L [B, n, n] with "
          + "B [B, n, m], got " + Arrays.toString(l.shape()) + " and " + Arrays.toString(b.shape()));
    }
    int n = Math.toIntExact(l.size(r - 1));
    int m = Math.toIntExact(b.size(r - 1));
    int batch = r == 3 ? Math.toIntExact(l.size(0)) : 1;
    double[] lv = l.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] x = b.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
    for (int t = 0; t < batch; t++) {
      int lo = t * n * n;
      int xo = t * n * m;
      for (int i = 0; i < n; i++) {
        double d = lv[lo + i * n + i];
        if (d == 0 || !Double.isFinite(d)) {
          throw new IllegalArgumentException("op 'triangularSolve': matrix " + t + " of " + Arrays.toString(l.shape())
              + " has diagonal entry " + i + " = " + d);
        }
      }
      for (int c = 0; c < m; c++) {
        if (!transpose) { // forward substitution, L x = b
          for (int i = 0; i < n; i++) {
            double s = x[xo + i * m + c];
            for (int k = 0; k < i; k++) {
              s -= lv[lo + i * n + k] * x[xo + k * m + c];
            }
            x[xo + i * m + c] = s / lv[lo + i * n + i];
          }
        } else { // back substitution, Lᵀ x = b
          for (int i = n - 1; i >= 0; i--) {
            double s = x[xo + i * m + c];
            for (int k = i + 1; k < n; k++) {
              s -= lv[lo + k * n + i] * x[xo + k * m + c];
            }
            x[xo + i * m + c] = s / lv[lo + i * n + i];
          }
        }
      }
    }
    INDArray v = Nd4j.create(x, b.shape(), DataType.DOUBLE).castTo(b.dtype());
    return Ops.record(transpose ? "triangularSolveT" : "triangularSolve", v, new Tensor[] {l, b}, (g, out, need) -> {
      Tensor gb = lower(l, g, !transpose);
      Tensor gl = null;
      if (need[0]) {
        Tensor outer = transpose ? Ops.matmul(out, gb, false, true) : Ops.matmul(gb, out, false, true);
        gl = Ops.neg(Ops.mask(outer, Cholesky.lowerMask(n, l.dtype())));
      }
      return new Tensor[] {gl, need[1] ? gb : null};
    });
  }
}
