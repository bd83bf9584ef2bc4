package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Sinusoid regression {@code y = A sin(w x + b) + noise}, {@code x [n, 1]}.
 *
 * <p>{@link Config#maml()} is the protocol of Finn et al. 2017: {@code A ~ U[0.1, 5]},
 * {@code b ~ U[0, pi]}, {@code w = 1}, {@code x ~ U[-5, 5]}, no noise.
 * {@link Config#bmaml(int)} is the protocol of Yoon et al. 2018: {@code b ~ U[0, 2pi]},
 * {@code w ~ U[0.5, 2]}, noise std {@code 0.01 A}, and a finite pool of training tasks.
 *
 * <p><b>Pools.</b> With {@code poolSize > 0}, task {@code i} is task {@code i mod poolSize}: the
 * whole task (function, inputs and noise) repeats, modelling a finite meta-training set of
 * {@code poolSize} data sets. Draw meta-test tasks from {@link #unpooled()} under another seed.
 */
public final class SinusoidTasks extends RegressionTasks {

    /**
     * Parameter ranges, all uniform; {@code noiseStd + relativeNoise * A} is the observation noise
     * standard deviation of a task with amplitude {@code A}; {@code poolSize = 0} means no pool.
     */
    public record Config(double amplitudeMin, double amplitudeMax, double phaseMin,
                         double phaseMax, double frequencyMin, double frequencyMax, double xMin,
                         double xMax, double noiseStd, double relativeNoise, int poolSize) {
        public Config {
            requireRange("amplitude", amplitudeMin, amplitudeMax);
            requireRange("phase", phaseMin, phaseMax);
            requireRange("frequency", frequencyMin, frequencyMax);
            requireRange("x", xMin, xMax);
            requireNonNegative("noiseStd", noiseStd);
            requireNonNegative("relativeNoise", relativeNoise);
            if (poolSize < 0) {
                throw new IllegalArgumentException("poolSize must be >= 0 (0 = no pool), got "
                        + poolSize);
            }
        }

        /** MAML (Finn et al. 2017): noiseless, unlimited tasks. */
        public static Config maml() {
            return new Config(0.1, 5.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0);
        }

        /** BMAML (Yoon et al. 2018) with a pool of {@code poolSize} training tasks (100, 1000). */
        public static Config bmaml(int poolSize) {
            return new Config(0.1, 5.0, 0.0, 2 * Math.PI, 0.5, 2.0, -5.0, 5.0, 0.0, 0.01,
                    poolSize);
        }

        /** The same ranges with absolute observation noise {@code std}. */
        public Config withNoiseStd(double std) {
            return new Config(amplitudeMin, amplitudeMax, phaseMin, phaseMax, frequencyMin,
                    frequencyMax, xMin, xMax, std, relativeNoise, poolSize);
        }

        /** The same ranges with a pool of {@code size} tasks (0 = unlimited). */
        public Config withPoolSize(int size) {
            return new Config(amplitudeMin, amplitudeMax, phaseMin, phaseMax, frequencyMin,
                    frequencyMax, xMin, xMax, noiseStd, relativeNoise, size);
        }
    }

    private final Config config;

    public SinusoidTasks(Config config, int supportSize, int querySize, DataType dataType) {
        super(1, supportSize, querySize, dataType);
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    public SinusoidTasks(Config config, int supportSize, int querySize) {
        this(config, supportSize, querySize, DataType.FLOAT);
    }

    /** MAML sinusoids with K support and Q query points, float data. */
    public static SinusoidTasks maml(int supportSize, int querySize) {
        return new SinusoidTasks(Config.maml(), supportSize, querySize);
    }

    /** BMAML sinusoids with a pool of {@code poolSize} training tasks, float data. */
    public static SinusoidTasks bmaml(int supportSize, int querySize, int poolSize) {
        return new SinusoidTasks(Config.bmaml(poolSize), supportSize, querySize);
    }

    public Config config() {
        return config;
    }

    /** The same distribution without a pool, for meta-test tasks. */
    public SinusoidTasks unpooled() {
        return new SinusoidTasks(config.withPoolSize(0), supportSize(), querySize(), dataType());
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        Config c = config;
        long stream = c.poolSize() > 0 ? Math.floorMod(index, (long) c.poolSize()) : index;
        SplittableRandom rng = Seeds.stream(seed, stream);
        double a = uniform(rng, c.amplitudeMin(), c.amplitudeMax());
        double b = uniform(rng, c.phaseMin(), c.phaseMax());
        double w = uniform(rng, c.frequencyMin(), c.frequencyMax());
        double std = c.noiseStd() + c.relativeNoise() * a;
        for (int i = 0; i < y.length; i++) {
            x[i] = uniform(rng, c.xMin(), c.xMax());
            y[i] = a * Math.sin(w * x[i] + b) + (std > 0 ? std * rng.nextGaussian() : 0.0);
        }
        return new SineInfo(index, a, b, w, std);
    }
}
