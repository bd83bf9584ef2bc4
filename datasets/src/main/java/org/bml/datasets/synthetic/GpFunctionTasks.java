package org.bml.datasets.synthetic;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskInfo;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.DecompositionSolver;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * 1-d functions drawn from a Gaussian process, the regression data of the neural-process papers
 * (Garnelo et al., "Conditional Neural Processes" and "Neural Processes", ICML 2018; the data
 * generator of their released notebooks): per task, {@code K + Q} inputs {@code x ~ U[−2, 2]} and
 * targets {@code y ~ N(0, K_XX + (s² + jitter) I)} with the squared-exponential kernel
 * {@code k(x, x') = σ² exp(−(x − x')² / (2ℓ²))}, defaults {@code ℓ = 0.4}, {@code σ² = 1},
 * observation noise {@code s = 0.02}, and a fixed jitter {@code 1e-8 σ²} so the factorisation is
 * defined for {@code s = 0}. {@code y = L z} with {@code L} the Cholesky factor (Hipparchus) and
 * {@code z ~ N(0, I)} from the task's own seeded stream, so a task is a pure function of
 * {@code (seed, index)}. Every task has a fresh function (no pool).
 */
public final class GpFunctionTasks extends RegressionTasks {
    public static final double DEFAULT_LENGTHSCALE = 0.4;
    public static final double DEFAULT_VARIANCE = 1.0;
    public static final double DEFAULT_NOISE_STD = 0.02;
    /** Relative jitter on the diagonal (times σ²). */
    public static final double JITTER = 1e-8;
    public static final double X_MIN = -2;
    public static final double X_MAX = 2;

    private final double lengthscale;
    private final double variance;
    private final double noiseStd;

    public GpFunctionTasks(int supportSize, int querySize, double lengthscale, double variance, double noiseStd,
            DataType dataType) {
        super(1, supportSize, querySize, dataType);
        if (!(lengthscale > 0) || !Double.isFinite(lengthscale)) {
            throw new IllegalArgumentException("lengthscale must be finite and > 0, got " + lengthscale);
        }
        if (!(variance > 0) || !Double.isFinite(variance)) {
            throw new IllegalArgumentException("variance must be finite and > 0, got " + variance);
        }
        requireNonNegative("noiseStd", noiseStd);
        this.lengthscale = lengthscale;
        this.variance = variance;
        this.noiseStd = noiseStd;
    }

    /** The notebooks' defaults (ℓ = 0.4, σ² = 1, s = 0.02), float data. */
    public GpFunctionTasks(int supportSize, int querySize) {
        this(supportSize, querySize, DEFAULT_LENGTHSCALE, DEFAULT_VARIANCE, DEFAULT_NOISE_STD, DataType.FLOAT);
    }

    public double lengthscale() {
        return lengthscale;
    }

    public double variance() {
        return variance;
    }

    public double noiseStd() {
        return noiseStd;
    }

    /** The kernel {@code σ² exp(−(a − b)² / (2ℓ²))}. */
    public static double rbf(double a, double b, double variance, double lengthscale) {
        double d = (a - b) / lengthscale;
        return variance * Math.exp(-0.5 * d * d);
    }

    /** The covariance of a task's targets at inputs {@code x}: {@code K_XX + (s² + jitter σ²) I}. */
    public RealMatrix covariance(double[] x) {
        int n = x.length;
        RealMatrix c = MatrixUtils.createRealMatrix(n, n);
        double diag = noiseStd * noiseStd + JITTER * variance;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double k = rbf(x[i], x[j], variance, lengthscale) + (i == j ? diag : 0);
                c.setEntry(i, j, k);
                c.setEntry(j, i, k);
            }
        }
        return c;
    }

    /**
     * The exact GP posterior predictive of the targets at {@code xq} given observed {@code (xs, ys)}
     * under this distribution's own kernel and noise: {@code [0]} means {@code k_q*ᵀ C⁻¹ y},
     * {@code [1]} variances {@code k(x, x) + s² + jitter − k_q*ᵀ C⁻¹ k_q*} with
     * {@code C = K_XX + (s² + jitter) I} (Hipparchus Cholesky). It is the Bayes-optimal predictive
     * for these tasks, the reference a meta-learner's NLL and coverage are read against.
     */
    public double[][] posteriorPredictive(double[] xs, double[] ys, double[] xq) {
        if (xs.length != ys.length || xs.length == 0) {
            throw new IllegalArgumentException("posteriorPredictive: need as many targets as inputs (>= 1), got "
                    + xs.length + " and " + ys.length);
        }
        DecompositionSolver solver = new CholeskyDecomposition(covariance(xs), 1e-12, 0.0).getSolver();
        RealVector alpha = solver.solve(MatrixUtils.createRealVector(ys));
        double diag = noiseStd * noiseStd + JITTER * variance;
        double[][] out = new double[2][xq.length];
        for (int q = 0; q < xq.length; q++) {
            double[] k = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                k[i] = rbf(xq[q], xs[i], variance, lengthscale);
            }
            RealVector kv = MatrixUtils.createRealVector(k);
            out[0][q] = kv.dotProduct(alpha);
            out[1][q] = variance + diag - kv.dotProduct(solver.solve(kv));
        }
        return out;
    }

    @Override
    protected TaskInfo sample(long seed, long index, double[] x, double[] y) {
        SplittableRandom rng = Seeds.stream(seed, index);
        int n = y.length;
        for (int i = 0; i < n; i++) {
            x[i] = uniform(rng, X_MIN, X_MAX);
        }
        // Relative symmetry threshold 1e-12; absolute positivity 0: the jitter keeps the pivots positive.
        CholeskyDecomposition chol = new CholeskyDecomposition(covariance(x), 1e-12, 0.0);
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = rng.nextGaussian();
        }
        System.arraycopy(chol.getL().operate(z), 0, y, 0, n);
        DecompositionSolver solver = chol.getSolver();
        RealVector alpha = solver.solve(MatrixUtils.createRealVector(y));
        return new GpFunctionInfo(index, lengthscale, variance, noiseStd, x, alpha.toArray());
    }
}
