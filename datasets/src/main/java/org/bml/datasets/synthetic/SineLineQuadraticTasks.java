package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A heterogeneous regression mixture in the style of the 1-d families of HSML and ARML (Yao et al.
 * ICML 2019, ICLR 2020): each task is, with probability 1/3 each, a MAML sinusoid
 * {@code A sin(x + b)} ({@code A ~ U[0.1, 5]}, {@code b ~ U[0, π]}), a line {@code s x + c}
 * ({@code s, c ~ U[−3, 3]}), or a quadratic {@code a x² + b x + c} ({@code a ~ U[−0.2, 0.2]},
 * {@code b ~ U[−2, 2]}, {@code c ~ U[−3, 3]}); {@code x ~ U[−5, 5]}, Gaussian noise of standard
 * deviation 0.3 by default, {@code x [n, 1]}. The task info is a {@link SineInfo}, {@link LineInfo}
 * or {@link QuadraticInfo}, which says the family. Seeded and pure like every distribution here.
 */
public final class SineLineQuadraticTasks extends RegressionTasks {
    /** Observation noise standard deviation of the mixture (as in the ARML/HSML regression). */
    public static final double DEFAULT_NOISE_STD = 0.3;

    /** The three families, in the order of their index. */
    public enum Family { SINE, LINE, QUADRATIC }

    private final double noiseStd;

    public SineLineQuadraticTasks(int supportSize, int querySize, double noiseStd, DataType dataType) {
        super(1, supportSize, querySize, dataType);
        requireNonNegative("noiseStd", noiseStd);
        this.noiseStd = noiseStd;
    }

    /** Noise std 0.3, float data. */
    public SineLineQuadraticTasks(int supportSize, int querySize) {
        this(supportSize, querySize, DEFAULT_NOISE_STD, DataType.FLOAT);
    }

    public double noiseStd() {
        return noiseStd;
    }

    /** The family of a task's info. */
    public static Family family(TaskInfo info) {
        if (info instanceof SineInfo) {
            return Family.SINE;
        }
        if (info instanceof LineInfo) {
            return Family.LINE;
        }
        if (info instanceof QuadraticInfo) {
            return Family.QUADRATIC;
        }
        throw new IllegalArgumentException("SineLineQuadraticTasks.family: not a task of this mixture: " + info);
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        SplittableRandom rng = Seeds.stream(seed, index);
        Family f = Family.values()[rng.nextInt(3)];
        // Three parameter draws for every family, so the inputs come from the same stream positions.
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        double u3 = rng.nextDouble();
        TaskInfo info = switch (f) {
            case SINE -> new SineInfo(index, 0.1 + 4.9 * u1, Math.PI * u2, 1.0, noiseStd);
            case LINE -> new LineInfo(index, -3 + 6 * u1, -3 + 6 * u2, noiseStd);
            case QUADRATIC -> new QuadraticInfo(index, -0.2 + 0.4 * u1, -2 + 4 * u2, -3 + 6 * u3, noiseStd);
        };
        var fn = ((org.bml.datasets.FunctionInfo) info).trueFunction();
        for (int i = 0; i < y.length; i++) {
            double xi = uniform(rng, -5.0, 5.0);
            x[i] = xi;
            y[i] = fn.applyAsDouble(xi) + (noiseStd > 0 ? noiseStd * rng.nextGaussian() : 0.0);
        }
        return info;
    }
}
