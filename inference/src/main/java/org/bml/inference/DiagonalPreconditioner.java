package org.bml.inference;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/** B = diag(s) with s shaped like θ; broadcast over the task axis of the gradients. */
final class DiagonalPreconditioner implements Preconditioner {
  private final Params stepSizes;

  DiagonalPreconditioner(Params stepSizes) {
    if (stepSizes == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: per-parameter step sizes must be given");
    }
    this.stepSizes = stepSizes;
  }

  @Override
  public Params step(Params phi, Params gradient) {
    return phi.mapNamed((n, p) -> Ops.sub(p, Ops.mul(gradient.get(n), stepSizes.get(n))));
  }

  @Override
  public List<Tensor> tensors() {
    return stepSizes.tensors();
  }

  @Override
  public void requireCompatible(Params theta) {
    theta.requireSameStructure(stepSizes);
  }

  @Override
  public String toString() {
    return "diag(s), s " + stepSizes;
  }
}
