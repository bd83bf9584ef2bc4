package org.bml.datasets.synthetic;

import java.util.ArrayList;
import java.util.List;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskInfo;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Base of the synthetic regression distributions: {@code x [n, d]}, {@code y [n, 1]}.
 *
 * <p>A subclass only says how to fill the {@code K + Q} rows of one task; this class splits them
 * into support (first K) and query (last Q) and writes whole batches into one preallocated array
 * per tensor, so batching costs one INDArray creation per tensor instead of one per element.
 */
public abstract class RegressionTasks implements TaskDistribution {
    private final int inputDim;
    private final int supportSize;
    private final int querySize;
    private final DataType dataType;

    protected RegressionTasks(int inputDim, int supportSize, int querySize, DataType dataType) {
        requirePositive("inputDim", inputDim);
        requirePositive("supportSize (K)", supportSize);
        requirePositive("querySize (Q)", querySize);
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        this.inputDim = inputDim;
        this.supportSize = supportSize;
        this.querySize = querySize;
        this.dataType = dataType;
    }

    /**
     * Fills task {@code index} under {@code seed}: {@code x} holds {@code (K+Q) * d} values row
     * major, {@code y} holds {@code K+Q} targets; rows {@code 0..K-1} become the support set.
     * Must be a pure function of its arguments (see {@link TaskDistribution}).
     */
    protected abstract TaskInfo sample(long seed, long index, double[] x, double[] y);

    public int inputDim() {
        return inputDim;
    }

    public int supportSize() {
        return supportSize;
    }

    public int querySize() {
        return querySize;
    }

    public DataType dataType() {
        return dataType;
    }

    @Override
    public TaskKind kind() {
        return TaskKind.REGRESSION;
    }

    @Override
    public Task task(long seed, long index) {
        TaskBatch b = batch(seed, index, 1);
        int k = supportSize;
        int q = querySize;
        int d = inputDim;
        return new Task(b.supportX().reshape(k, d), b.supportY().reshape(k, 1),
                b.queryX().reshape(q, d), b.queryY().reshape(q, 1), b.info().get(0));
    }

    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
        requirePositive("batch size", size);
        int k = supportSize;
        int q = querySize;
        int d = inputDim;
        int n = k + q;
        double[] sx = new double[Math.multiplyExact(size, k * d)];
        double[] sy = new double[size * k];
        double[] qx = new double[Math.multiplyExact(size, q * d)];
        double[] qy = new double[size * q];
        double[] x = new double[n * d];
        double[] y = new double[n];
        List<TaskInfo> info = new ArrayList<>(size);
        for (int t = 0; t < size; t++) {
            info.add(sample(seed, firstIndex + t, x, y));
            System.arraycopy(x, 0, sx, t * k * d, k * d);
            System.arraycopy(x, k * d, qx, t * q * d, q * d);
            System.arraycopy(y, 0, sy, t * k, k);
            System.arraycopy(y, k, qy, t * q, q);
        }
        return new TaskBatch(wrap(sx, size, k, d), wrap(sy, size, k, 1), wrap(qx, size, q, d),
                wrap(qy, size, q, 1), info);
    }

    private INDArray wrap(double[] data, long... shape) {
        if (dataType == DataType.DOUBLE) {
            return Nd4j.create(data, shape, DataType.DOUBLE);
        }
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return Nd4j.create(f, shape, DataType.FLOAT);
    }

    static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    static void requireRange(String name, double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException(name + " must be a finite range lo <= hi, got ["
                    + lo + ", " + hi + "]");
        }
    }

    static void requireNonNegative(String name, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /** Uniform on [lo, hi); unlike SplittableRandom.nextDouble(lo, hi) it accepts lo == hi. */
    static double uniform(java.util.random.RandomGenerator rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
