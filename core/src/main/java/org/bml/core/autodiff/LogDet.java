package org.bml.core.autodiff;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * log det A of symmetric positive-definite matrices through their Cholesky factor on the tape:
 * log det A = 2 Σ_i log L_ii. Composed of {@link Cholesky} and existing ops, so differentiable to
 * any order; gradient A⁻¹ (of the symmetric part), as {@link Ops#logDetSpd}.
 */
public final class LogDet {
  private LogDet() {}

  /** 2 Σ log diag(L) for a Cholesky factor L {@code [n, n]} (a scalar) or {@code [B, n, n]} (a vector [B]). */
  public static Tensor fromCholesky(Tensor l) {
    int r = l.rank();
    if ((r != 2 && r != 3) || l.size(r - 1) != l.size(r - 2)) {
      throw new IllegalArgumentException("op 'logDetCholesky': needs square matrices [n, n] or [B, n, n], got "
          + java.util.Arrays.toString(l.shape()));
    }
    INDArray eye = Nd4j.eye(l.size(r - 1)).castTo(l.dtype());
    Tensor diag = Ops.sum(Ops.mask(l, eye), false, r - 1);
    return Ops.mulScalar(Ops.sum(Ops.log(diag), false, r - 2), 2.0);
  }

  /** log det A of SPD matrices {@code [n, n]} or {@code [B, n, n]}, via {@link Cholesky#factor}. */
  public static Tensor spd(Tensor a) {
    return fromCholesky(Cholesky.factor(a));
  }
}
