package org.bml.datasets;

import java.util.function.DoubleUnaryOperator;

/**
 * Metadata of a regression task whose noiseless target is a known function of the scalar input
 * in column 0 of {@code x}. Plots draw {@link #trueFunction()}; oracles compare against it.
 */
public interface FunctionInfo extends TaskInfo {
    /** The noiseless target as a function of the scalar input {@code x[:, 0]}. */
    DoubleUnaryOperator trueFunction();

    /** Standard deviation of the Gaussian observation noise added to the targets (0: none). */
    double noiseStd();
}
