package org.bml.datasets.synthetic;

import java.util.function.DoubleUnaryOperator;
import org.bml.datasets.FunctionInfo;

/** A line task {@code y = slope * x + intercept + noise}. */
public record LineInfo(long index, double slope, double intercept, double noiseStd)
        implements FunctionInfo {
    @Override
    public DoubleUnaryOperator trueFunction() {
        double s = slope;
        double c = intercept;
        return x -> s * x + c;
    }
}
