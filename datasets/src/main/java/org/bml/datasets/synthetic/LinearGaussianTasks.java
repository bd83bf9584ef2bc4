package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.hipparchus.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Linear regression tasks from a known Gaussian hierarchy: {@code phi ~ N(theta, Sigma)},
 * inputs {@code x ~ N(0, I_d)}, {@code y = x . phi + eps}, {@code eps ~ N(0, sigma^2)}.
 * {@link #oracle()} gives the exact posterior and marginal likelihood for these tasks.
 */
public final class LinearGaussianTasks extends RegressionTasks {
    private final LinearGaussianOracle oracle;

    public LinearGaussianTasks(double[] theta, double[][] sigma, double noiseStd, int supportSize,
                               int querySize, DataType dataType) {
        this(new LinearGaussianOracle(theta, sigma, noiseStd), supportSize, querySize, dataType);
    }

    public LinearGaussianTasks(LinearGaussianOracle oracle, int supportSize, int querySize,
                               DataType dataType) {
        super(oracle.dimension(), supportSize, querySize, dataType);
        this.oracle = oracle;
    }

    /** The exact-inference oracle of this hierarchy (with the true {@code theta}). */
    public LinearGaussianOracle oracle() {
        return oracle;
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        SplittableRandom rng = Seeds.stream(seed, index);
        int d = oracle.dimension();
        double[] theta = oracle.theta();
        RealMatrix l = oracle.sigmaCholesky();
        double[] z = new double[d];
        for (int i = 0; i < d; i++) {
            z[i] = rng.nextGaussian();
        }
        double[] phi = l.operate(z);
        for (int i = 0; i < d; i++) {
            phi[i] += theta[i];
        }
        double s = oracle.noiseStd();
        for (int r = 0; r < y.length; r++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                double v = rng.nextGaussian();
                x[r * d + j] = v;
                dot += v * phi[j];
            }
            y[r] = dot + s * rng.nextGaussian();
        }
        return new LinearGaussianInfo(index, phi, s);
    }
}
