package org.bml.datasets.synthetic;

import java.util.Arrays;
import java.util.Objects;

/**
 * A task of {@link LinearGaussianTasks}: the true weights {@code phi} and noise level.
 *
 * @param phi the task's weights, drawn from {@code N(theta, Sigma)}
 */
public record LinearGaussianInfo(long index, double[] phi, double noiseStd)
        implements org.bml.datasets.TaskInfo {

    public LinearGaussianInfo {
        phi = phi.clone();
    }

    @Override
    public double[] phi() {
        return phi.clone();
    }

    /** The noiseless target {@code x . phi}. */
    public double mean(double[] x) {
        if (x.length != phi.length) {
            throw new IllegalArgumentException("x has length " + x.length + ", expected "
                    + phi.length);
        }
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * phi[i];
        }
        return s;
    }

    // Value equality, so reproducibility checks can compare infos directly.
    @Override
    public boolean equals(Object o) {
        return o instanceof LinearGaussianInfo l && l.index == index
                && Arrays.equals(l.phi, phi) && Double.compare(l.noiseStd, noiseStd) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, Arrays.hashCode(phi), noiseStd);
    }

    @Override
    public String toString() {
        return "LinearGaussianInfo[index=" + index + ", phi=" + Arrays.toString(phi)
                + ", noiseStd=" + noiseStd + "]";
    }
}
