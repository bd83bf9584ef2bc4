package org.bml.priors.contract;

import org.bml.priors.FullCovarianceGaussian;
import org.bml.priors.Prior;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;

/** {@link PriorContract} for a Gaussian with a dense 9×9 covariance A·Aᵀ + ½I. */
class FullCovarianceGaussianContractTest extends PriorContract {
  @Override
  protected Prior prior() {
    double[][] a = new double[9][9];
    for (int i = 0; i < 9; i++) {
      for (int j = 0; j < 9; j++) {
        a[i][j] = Math.sin(1.0 + 3 * i + 7 * j) / 3;
      }
    }
    RealMatrix m = MatrixUtils.createRealMatrix(a);
    return new FullCovarianceGaussian(phi(0, 101), m.multiplyTransposed(m).add(MatrixUtils.createRealIdentityMatrix(9)
        .scalarMultiply(0.5)));
  }
}
