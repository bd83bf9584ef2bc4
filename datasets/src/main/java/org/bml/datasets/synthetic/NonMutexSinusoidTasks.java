package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Non-mutually-exclusive sinusoids of MR-MAML (Yin et al. 2020, "Meta-learning without
 * memorization"). The input {@code [x, onehot(g, 20)]} ({@code d = 21}) names the task, so a
 * model can memorise all training tasks and ignore the support set; the benchmark measures
 * whether a method still adapts.
 *
 * <p>Training tasks: {@code g ~ U{0..15}}, amplitude {@code AMPLITUDES[g]} (20 points
 * linearly spaced in [0.1, 4]), phase 0. Test tasks: amplitude {@code ~ U(0.1, 4)} and a random,
 * uninformative one-hot position in 0..15, as the authors' notebook
 * ({@code amp_ind = random.randint(0, K_amp - 5)}): the one-hot names a training task whose
 * amplitude is (almost surely) not the test task's, so a model that memorised the training tasks
 * predicts the wrong function and must recover from the support set. Both: {@code x ~ U[-5, 5]},
 * noise {@code N(0, 0.1^2)}.
 */
public final class NonMutexSinusoidTasks extends RegressionTasks {
    /** Number of amplitude grid points, and width of the one-hot input part. */
    public static final int GRID = 20;
    /** Grid indices {@code 0 .. TRAIN_GRID-1} are used for training tasks. */
    public static final int TRAIN_GRID = 16;
    /** Observation noise standard deviation. */
    public static final double NOISE_STD = 0.1;

    /** Which task family to draw. */
    public enum Split { TRAIN, TEST }

    private final Split split;
    private final double noiseStd;

    public NonMutexSinusoidTasks(Split split, int supportSize, int querySize, double noiseStd,
                                 DataType dataType) {
        super(1 + GRID, supportSize, querySize, dataType);
        requireNonNegative("noiseStd", noiseStd);
        this.split = java.util.Objects.requireNonNull(split, "split");
        this.noiseStd = noiseStd;
    }

    public NonMutexSinusoidTasks(Split split, int supportSize, int querySize) {
        this(split, supportSize, querySize, NOISE_STD, DataType.FLOAT);
    }

    /** The amplitude of grid point {@code g}: {@code linspace(0.1, 4, 20)[g]}. */
    public static double amplitude(int g) {
        if (g < 0 || g >= GRID) {
            throw new IllegalArgumentException("grid index must be in [0, " + GRID + "), got " + g);
        }
        return 0.1 + g * (4.0 - 0.1) / (GRID - 1);
    }

    public Split split() {
        return split;
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        SplittableRandom rng = Seeds.stream(seed, index);
        int grid;
        int hot;
        double a;
        if (split == Split.TRAIN) {
            grid = rng.nextInt(TRAIN_GRID);
            hot = grid;
            a = amplitude(grid);
        } else {
            grid = -1;
            a = uniform(rng, 0.1, 4.0);
            hot = rng.nextInt(TRAIN_GRID);
        }
        int d = 1 + GRID;
        java.util.Arrays.fill(x, 0.0);
        for (int i = 0; i < y.length; i++) {
            double xi = uniform(rng, -5.0, 5.0);
            x[i * d] = xi;
            x[i * d + 1 + hot] = 1.0;
            y[i] = a * Math.sin(xi) + (noiseStd > 0 ? noiseStd * rng.nextGaussian() : 0.0);
        }
        return new NonMutexSineInfo(index, a, grid, hot, noiseStd);
    }
}
