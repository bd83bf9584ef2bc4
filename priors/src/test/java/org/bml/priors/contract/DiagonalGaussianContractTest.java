package org.bml.priors.contract;

import org.bml.priors.DiagonalGaussian;
import org.bml.priors.Prior;

/** {@link PriorContract} for a diagonal Gaussian with learnable-looking mean and log-variance. */
class DiagonalGaussianContractTest extends PriorContract {
  @Override
  protected Prior prior() {
    return new DiagonalGaussian(phi(0, 101), phi(0, 103));
  }
}
