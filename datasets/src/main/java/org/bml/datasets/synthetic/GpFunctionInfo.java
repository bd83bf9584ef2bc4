package org.bml.datasets.synthetic;

import java.util.function.DoubleUnaryOperator;
import org.bml.datasets.FunctionInfo;

/**
 * A task of {@link GpFunctionTasks}: its {@code K + Q} inputs and the weights
 * {@code α = (K_XX + s² I)⁻¹ y} of its noisy targets. A GP-sampled function is only known at the
 * points it was drawn at, so {@link #trueFunction()} is the GP posterior mean of f given those
 * {@code K + Q} observations, {@code m(x) = k(x, X) α} (what the plots draw as the truth); at
 * the drawn points it is within the noise of y.
 */
public record GpFunctionInfo(long index, double lengthscale, double variance, double noiseStd, double[] inputs,
        double[] weights) implements FunctionInfo {
    public GpFunctionInfo {
        inputs = inputs.clone();
        weights = weights.clone();
    }

    @Override
    public double[] inputs() {
        return inputs.clone();
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    /** Equal when every component is, the arrays by their contents (tasks drawn twice are equal). */
    @Override
    public boolean equals(Object o) {
        return o instanceof GpFunctionInfo g && g.index == index && Double.compare(g.lengthscale, lengthscale) == 0
                && Double.compare(g.variance, variance) == 0 && Double.compare(g.noiseStd, noiseStd) == 0
                && java.util.Arrays.equals(g.inputs, inputs) && java.util.Arrays.equals(g.weights, weights);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(index, lengthscale, variance, noiseStd, java.util.Arrays.hashCode(inputs),
                java.util.Arrays.hashCode(weights));
    }

    @Override
    public String toString() {
        return "GpFunctionInfo[index=" + index + ", lengthscale=" + lengthscale + ", variance=" + variance
                + ", noiseStd=" + noiseStd + ", points=" + inputs.length + "]";
    }

    @Override
    public DoubleUnaryOperator trueFunction() {
        double[] xs = inputs;
        double[] a = weights;
        double ell = lengthscale;
        double s2 = variance;
        return x -> {
            double m = 0;
            for (int i = 0; i < xs.length; i++) {
                m += a[i] * GpFunctionTasks.rbf(x, xs[i], s2, ell);
            }
            return m;
        };
    }
}
