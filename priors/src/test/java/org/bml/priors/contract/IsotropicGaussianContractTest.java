package org.bml.priors.contract;

import org.bml.priors.IsotropicGaussian;
import org.bml.priors.Prior;

/** {@link PriorContract} for an isotropic Gaussian, variance 0.7. */
class IsotropicGaussianContractTest extends PriorContract {
  @Override
  protected Prior prior() {
    return IsotropicGaussian.of(phi(0, 101), 0.7);
  }
}
