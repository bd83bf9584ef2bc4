package org.bml.datasets.synthetic;

import java.util.function.DoubleUnaryOperator;
import org.bml.datasets.FunctionInfo;

/**
 * A sinusoid task {@code y = amplitude * sin(frequency * x + phase) + noise}.
 *
 * @param noiseStd absolute standard deviation of the observation noise of this task
 */
public record SineInfo(long index, double amplitude, double phase, double frequency,
                       double noiseStd) implements FunctionInfo {
    @Override
    public DoubleUnaryOperator trueFunction() {
        double a = amplitude;
        double p = phase;
        double f = frequency;
        return x -> a * Math.sin(f * x + p);
    }
}
