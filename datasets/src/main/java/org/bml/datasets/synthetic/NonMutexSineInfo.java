package org.bml.datasets.synthetic;

import java.util.function.DoubleUnaryOperator;
import org.bml.datasets.FunctionInfo;

/**
 * A task of {@link NonMutexSinusoidTasks}: {@code y = amplitude * sin(x) + noise}.
 *
 * @param gridIndex   index of the amplitude on the 20-point grid, or -1 for a meta-test task
 *                    whose amplitude was drawn continuously
 * @param oneHotIndex position of the 1 in the one-hot part of the input; equals
 *                    {@code gridIndex} for training tasks and is random for test tasks
 */
public record NonMutexSineInfo(long index, double amplitude, int gridIndex, int oneHotIndex,
                               double noiseStd) implements FunctionInfo {
    @Override
    public DoubleUnaryOperator trueFunction() {
        double a = amplitude;
        return x -> a * Math.sin(x);
    }
}
