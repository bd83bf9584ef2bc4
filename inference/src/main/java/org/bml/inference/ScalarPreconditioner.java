package org.bml.inference;

import org.bml.core.autodiff.Ops;
import org.bml.core.model.Params;

/** B = αI, as one fused a + c·b op per parameter. */
final class ScalarPreconditioner implements Preconditioner {
  private final double stepSize;

  ScalarPreconditioner(double stepSize) {
    if (!(stepSize >= 0) || !Double.isFinite(stepSize)) {
      throw new IllegalArgumentException("TruncatedGradientDescent: step size must be finite and >= 0, got "
          + stepSize);
    }
    this.stepSize = stepSize;
  }

  double stepSize() {
    return stepSize;
  }

  @Override
  public Params step(Params phi, Params gradient) {
    return phi.zip(gradient, (p, g) -> Ops.addScaled(p, g, -stepSize));
  }

  @Override
  public String toString() {
    return "αI, α = " + stepSize;
  }
}
