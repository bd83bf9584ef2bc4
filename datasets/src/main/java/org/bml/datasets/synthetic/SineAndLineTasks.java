package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Ambiguous regression of PLATIPUS (Finn, Xu and Levine 2018): with probability 1/2 a task is a
 * MAML sinusoid ({@code A ~ U[0.1, 5]}, {@code b ~ U[0, pi]}), otherwise a line with slope and
 * intercept {@code ~ U[-3, 3]}; {@code x ~ U[-5, 5]}, {@code x [n, 1]}. The task info is a
 * {@link SineInfo} or a {@link LineInfo}, which says which family the task came from.
 */
public final class SineAndLineTasks extends RegressionTasks {
    /** Observation noise standard deviation used in the PLATIPUS experiments. */
    public static final double PLATIPUS_NOISE_STD = 0.3;

    private final double noiseStd;

    public SineAndLineTasks(int supportSize, int querySize, double noiseStd, DataType dataType) {
        super(1, supportSize, querySize, dataType);
        requireNonNegative("noiseStd", noiseStd);
        this.noiseStd = noiseStd;
    }

    /** PLATIPUS setting: noise std 0.3, float data. */
    public SineAndLineTasks(int supportSize, int querySize) {
        this(supportSize, querySize, PLATIPUS_NOISE_STD, DataType.FLOAT);
    }

    public double noiseStd() {
        return noiseStd;
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        SplittableRandom rng = Seeds.stream(seed, index);
        boolean sine = rng.nextBoolean();
        // Two parameter draws for either family, so the inputs come from the same stream positions.
        double p1 = sine ? uniform(rng, 0.1, 5.0) : uniform(rng, -3.0, 3.0);
        double p2 = sine ? uniform(rng, 0.0, Math.PI) : uniform(rng, -3.0, 3.0);
        for (int i = 0; i < y.length; i++) {
            double xi = uniform(rng, -5.0, 5.0);
            double f = sine ? p1 * Math.sin(xi + p2) : p1 * xi + p2;
            x[i] = xi;
            y[i] = f + (noiseStd > 0 ? noiseStd * rng.nextGaussian() : 0.0);
        }
        return sine ? new SineInfo(index, p1, p2, 1.0, noiseStd)
                : new LineInfo(index, p1, p2, noiseStd);
    }
}
