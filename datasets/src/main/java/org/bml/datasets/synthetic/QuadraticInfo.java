package org.bml.datasets.synthetic;

import java.util.function.DoubleUnaryOperator;
import org.bml.datasets.FunctionInfo;

/** A quadratic task {@code y = a x² + b x + c + noise}. */
public record QuadraticInfo(long index, double a, double b, double c, double noiseStd) implements FunctionInfo {
    @Override
    public DoubleUnaryOperator trueFunction() {
        double qa = a;
        double qb = b;
        double qc = c;
        return x -> (qa * x + qb) * x + qc;
    }
}
