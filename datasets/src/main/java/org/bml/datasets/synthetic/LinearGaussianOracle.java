package org.bml.datasets.synthetic;

import java.util.Arrays;
import org.hipparchus.exception.MathIllegalArgumentException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.DecompositionSolver;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exact Bayesian inference in the linear-Gaussian hierarchy
 * {@code phi ~ N(theta, Sigma)}, {@code y = X phi + eps}, {@code eps ~ N(0, sigma^2 I)}.
 *
 * <p>This is the ground truth that approximate meta-learners (amortised posteriors, empirical
 * Bayes on {@code theta}) are tested against, so everything is computed in double precision
 * with Hipparchus decompositions, never with hand-written linear algebra. Immutable.
 */
public final class LinearGaussianOracle {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final RealVector theta;
    private final RealMatrix sigma;
    private final double noiseStd;
    private final RealMatrix sigmaInverse;
    private final RealMatrix sigmaCholesky;

    /**
     * @param theta    prior mean of {@code phi}, length d
     * @param sigma    prior covariance of {@code phi}, d x d symmetric positive definite
     * @param noiseStd observation noise standard deviation {@code sigma > 0}
     */
    public LinearGaussianOracle(double[] theta, double[][] sigma, double noiseStd) {
        if (theta == null || theta.length == 0) {
            throw new IllegalArgumentException("theta must have at least one entry");
        }
        if (sigma == null || sigma.length != theta.length) {
            throw new IllegalArgumentException("sigma must be " + theta.length + " x "
                    + theta.length);
        }
        for (double[] row : sigma) {
            if (row.length != theta.length) {
                throw new IllegalArgumentException("sigma must be " + theta.length + " x "
                        + theta.length + ", found a row of length " + row.length);
            }
        }
        if (!(noiseStd > 0) || !Double.isFinite(noiseStd)) {
            throw new IllegalArgumentException("noiseStd must be finite and > 0, got " + noiseStd);
        }
        this.theta = new ArrayRealVector(theta);
        this.sigma = new Array2DRowRealMatrix(sigma);
        this.noiseStd = noiseStd;
        CholeskyDecomposition chol = cholesky(this.sigma, "sigma");
        this.sigmaCholesky = chol.getL();
        this.sigmaInverse = chol.getSolver().getInverse();
    }

    /** Posterior {@code N(mean, covariance)} of {@code phi}; see {@link #predict(double[])}. */
    public record Posterior(double[] mean, double[][] covariance, double noiseStd) {
        /** Posterior predictive of {@code y} at input {@code x} (length d). */
        public Predictive predict(double[] x) {
            if (x.length != mean.length) {
                throw new IllegalArgumentException("x has length " + x.length + ", expected "
                        + mean.length);
            }
            RealVector xv = new ArrayRealVector(x);
            double m = xv.dotProduct(new ArrayRealVector(mean));
            double f = new Array2DRowRealMatrix(covariance).preMultiply(xv).dotProduct(xv);
            return new Predictive(m, f + noiseStd * noiseStd, f);
        }
    }

    /**
     * Posterior predictive at one input.
     *
     * @param mean              {@code x . mu}
     * @param variance          variance of a new noisy observation, {@code x' S x + sigma^2}
     * @param functionVariance  variance of the noiseless function value, {@code x' S x}
     */
    public record Predictive(double mean, double variance, double functionVariance) {
    }

    public double[] theta() {
        return theta.toArray();
    }

    public double[][] sigma() {
        return sigma.getData();
    }

    public double noiseStd() {
        return noiseStd;
    }

    public int dimension() {
        return theta.getDimension();
    }

    /** Lower Cholesky factor of Sigma, used to sample {@code phi = theta + L z}. */
    RealMatrix sigmaCholesky() {
        return sigmaCholesky;
    }

    /**
     * Exact posterior {@code p(phi | X, y, theta)}: precision
     * {@code Sigma^-1 + X'X / sigma^2}, mean {@code S (Sigma^-1 theta + X'y / sigma^2)}.
     */
    public Posterior posterior(double[][] x, double[] y) {
        RealMatrix xm = design(x, y);
        double s2 = noiseStd * noiseStd;
        RealMatrix precision = sigmaInverse.add(xm.transposeMultiply(xm).scalarMultiply(1 / s2));
        DecompositionSolver solver = cholesky(precision, "posterior precision").getSolver();
        RealVector rhs = sigmaInverse.operate(theta)
                .add(xm.transpose().operate(new ArrayRealVector(y)).mapDivide(s2));
        RealMatrix cov = symmetric(solver.getInverse());
        return new Posterior(solver.solve(rhs).toArray(), cov.getData(), noiseStd);
    }

    /** {@link #posterior(double[][], double[])} for {@code x [n, d]}, {@code y [n, 1]} or [n]. */
    public Posterior posterior(INDArray x, INDArray y) {
        return posterior(x.toDoubleMatrix(), y.dup().reshape(y.length()).toDoubleVector());
    }

    /**
     * Exact log marginal likelihood {@code log p(y | X, theta) = log N(y; X theta,
     * X Sigma X' + sigma^2 I)}.
     */
    public double logMarginalLikelihood(double[][] x, double[] y) {
        RealMatrix xm = design(x, y);
        int n = y.length;
        RealMatrix cov = symmetric(xm.multiply(sigma).multiplyTransposed(xm)
                .add(MatrixUtils.createRealIdentityMatrix(n).scalarMultiply(noiseStd * noiseStd)));
        CholeskyDecomposition chol = cholesky(cov, "marginal covariance");
        RealVector r = new ArrayRealVector(y).subtract(xm.operate(theta));
        double quad = r.dotProduct(chol.getSolver().solve(r));
        RealMatrix l = chol.getL();
        double logDet = 0;
        for (int i = 0; i < n; i++) {
            logDet += 2 * Math.log(l.getEntry(i, i));
        }
        return -0.5 * (quad + logDet + n * LOG_2PI);
    }

    /** {@link #logMarginalLikelihood(double[][], double[])} on INDArrays. */
    public double logMarginalLikelihood(INDArray x, INDArray y) {
        return logMarginalLikelihood(x.toDoubleMatrix(),
                y.dup().reshape(y.length()).toDoubleVector());
    }

    private RealMatrix design(double[][] x, double[] y) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " rows and y has " + y.length
                    + " entries; need the same positive number");
        }
        for (double[] row : x) {
            if (row.length != dimension()) {
                throw new IllegalArgumentException("x rows must have length " + dimension()
                        + ", got " + row.length);
            }
        }
        return new Array2DRowRealMatrix(x);
    }

    // Products like X Sigma X' are symmetric only up to rounding; Cholesky checks symmetry.
    private static RealMatrix symmetric(RealMatrix m) {
        return m.add(m.transpose()).scalarMultiply(0.5);
    }

    private static CholeskyDecomposition cholesky(RealMatrix m, String what) {
        try {
            return new CholeskyDecomposition(symmetric(m));
        } catch (MathIllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not symmetric positive definite: "
                    + e.getMessage() + " " + Arrays.deepToString(m.getData()), e);
        }
    }
}
