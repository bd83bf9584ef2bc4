package org.bml.inference.variational;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.ParamLayout;
import org.bml.inference.TaskPosterior;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A full-covariance Gaussian q(φ) = N(m, L Lᵀ) per task over the flat parameter vector
 * ({@link ParamLayout}), L lower-triangular with a positive diagonal: L = tril₋₁(R) + diag(exp(s)) for
 * unconstrained R {@code [T, P, P]} (only its strictly lower part is used) and s {@code [T, P]}. The
 * family contains every Gaussian, so maximising the ELBO over it recovers the exact posterior of a
 * linear-Gaussian task (the variational oracle test); it is the richer member of the variational
 * family for small models.
 *
 * <p>Lifecycle: built from m, R and s (usually variables being optimised), immutable. Samples
 * m + L z (z a seeded constant) are reparameterised; entropy and the KL to a Gaussian prior are
 * closed-form op compositions.
 */
public final class CholeskyGaussian implements TaskPosterior {
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private final ParamLayout layout;
  private final Tensor mean;
  private final Tensor lower;
  private final Tensor logDiagonal;

  /**
   * @param layout the flat layout of the parameters
   * @param mean m {@code [T, P]}
   * @param lower R {@code [T, P, P]} (strictly lower part used)
   * @param logDiagonal s {@code [T, P]}, log of L's diagonal; finite
   */
  public CholeskyGaussian(ParamLayout layout, Tensor mean, Tensor lower, Tensor logDiagonal) {
    if (layout == null || mean == null || lower == null || logDiagonal == null) {
      throw new IllegalArgumentException("CholeskyGaussian: layout, mean, lower factor and log-diagonal must be given");
    }
    int p = layout.size();
    if (mean.rank() != 2 || mean.size(1) != p) {
      throw new IllegalArgumentException("CholeskyGaussian: mean must be [T, " + p + "], got " + Arrays.toString(mean.shape()));
    }
    long t = mean.size(0);
    if (!Arrays.equals(lower.shape(), new long[] {t, p, p})) {
      throw new IllegalArgumentException("CholeskyGaussian: lower factor must be [" + t + ", " + p + ", " + p + "], got "
          + Arrays.toString(lower.shape()));
    }
    if (!Arrays.equals(logDiagonal.shape(), new long[] {t, p})) {
      throw new IllegalArgumentException("CholeskyGaussian: log-diagonal must be [" + t + ", " + p + "], got "
          + Arrays.toString(logDiagonal.shape()));
    }
    if (mean.dtype() != lower.dtype() || mean.dtype() != logDiagonal.dtype()) {
      throw new IllegalArgumentException("CholeskyGaussian: dtypes differ: " + mean.dtype() + ", " + lower.dtype()
          + ", " + logDiagonal.dtype());
    }
    double lo = logDiagonal.value().minNumber().doubleValue();
    double hi = logDiagonal.value().maxNumber().doubleValue();
    if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
      throw new IllegalArgumentException("CholeskyGaussian: log-diagonal must be finite (a positive diagonal)");
    }
    this.layout = layout;
    this.mean = mean;
    this.lower = lower;
    this.logDiagonal = logDiagonal;
  }

  /** N(mode, std² I) as a starting point: R = 0, s = log std, as constants (make them variables to optimise). */
  public static CholeskyGaussian isotropic(Params mode, double std) {
    if (!(std > 0) || !Double.isFinite(std)) {
      throw new IllegalArgumentException("CholeskyGaussian.isotropic: std must be positive and finite, got " + std);
    }
    ParamLayout layout = ParamLayout.ofLeadingAxis(mode);
    Tensor m = layout.flatten(mode);
    long t = m.size(0);
    int p = layout.size();
    return new CholeskyGaussian(layout, m, Tensor.constant(Nd4j.zeros(m.dtype(), t, p, p)),
        Tensor.constant(Nd4j.valueArrayOf(new long[] {t, p}, Math.log(std), m.dtype())));
  }

  public ParamLayout layout() {
    return layout;
  }

  /** m {@code [T, P]}. */
  public Tensor mean() {
    return mean;
  }

  public Tensor lower() {
    return lower;
  }

  public Tensor logDiagonal() {
    return logDiagonal;
  }

  /** L {@code [T, P, P]}: strictly lower part of R plus diag(exp(s)). */
  public Tensor scaleTril() {
    long t = mean.size(0);
    int p = layout.size();
    INDArray strict = Nd4j.zeros(mean.dtype(), p, p);
    INDArray eye = Nd4j.zeros(mean.dtype(), p, p);
    for (int i = 0; i < p; i++) {
      eye.putScalar(i, i, 1.0);
      for (int j = 0; j < i; j++) {
        strict.putScalar(i, j, 1.0);
      }
    }
    Tensor off = Ops.mul(lower, Tensor.constant(strict));
    Tensor diag = Ops.mul(Ops.reshape(Ops.exp(logDiagonal), t, p, 1), Tensor.constant(eye));
    return Ops.add(off, diag);
  }

  /** L Lᵀ {@code [T, P, P]}. */
  public Tensor covariance() {
    Tensor l = scaleTril();
    return Ops.matmul(l, l, false, true);
  }

  @Override
  public Params mode() {
    return layout.unflatten(mean);
  }

  /** m + L z with z ~ N(0, I) seeded (one P-vector per task, tasks in order). */
  @Override
  public Params sample(long seed) {
    long t = mean.size(0);
    int p = layout.size();
    SplittableRandom rng = new SplittableRandom(seed);
    double[] z = new double[Math.toIntExact(t * p)];
    for (int i = 0; i < z.length; i++) {
      z[i] = rng.nextGaussian();
    }
    Tensor noise = Tensor.constant(Nd4j.create(z, new long[] {t, p, 1}, DataType.DOUBLE).castTo(mean.dtype()));
    Tensor draw = Ops.add(mean, Ops.reshape(Ops.matmul(scaleTril(), noise), t, p));
    return layout.unflatten(draw);
  }

  @Override
  public boolean isPointMass() {
    return false;
  }

  /** Entropy per task {@code [T]}: Σ s + (P/2)(1 + log 2π). */
  public Tensor entropy() {
    return Ops.addScalar(Ops.sum(logDiagonal, false, 1), 0.5 * layout.size() * (1 + LOG_2PI));
  }

  /**
   * KL(q ‖ N(μ_p, Σ_p)) per task {@code [T]} = ½ [tr(Σ_p⁻¹ L Lᵀ) + (μ_p − m)ᵀ Σ_p⁻¹ (μ_p − m) − P
   * + log det Σ_p − 2 Σ s], with a constant prior covariance (factorised once with Hipparchus) and a
   * prior mean {@code [P]}, {@code [1, P]} or {@code [T, P]} that may be differentiable (θ).
   *
   * @throws IllegalArgumentException if Σ_p is not P × P symmetric positive definite
   */
  public Tensor klTo(Tensor priorMean, double[][] priorCovariance) {
    int p = layout.size();
    long t = mean.size(0);
    if (priorCovariance == null || priorCovariance.length != p) {
      throw new IllegalArgumentException("CholeskyGaussian.klTo: prior covariance must be " + p + " x " + p);
    }
    CholeskyDecomposition chol;
    try {
      RealMatrix s = new Array2DRowRealMatrix(priorCovariance);
      chol = new CholeskyDecomposition(s.add(s.transpose()).scalarMultiply(0.5));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("CholeskyGaussian.klTo: prior covariance is not symmetric positive definite: "
          + e.getMessage(), e);
    }
    Tensor inv = Tensor.constant(Nd4j.createFromArray(chol.getSolver().getInverse().getData()).castTo(mean.dtype()));
    double logDetPrior = Math.log(chol.getDeterminant());
    Tensor l = scaleTril();
    // tr(Σ⁻¹ L Lᵀ) = Σ (Σ⁻¹ L) ⊙ L
    Tensor invL = Ops.matmul(Ops.broadcastTo(Ops.unsqueeze(inv, 0), t, p, p), l);
    Tensor trace = Ops.sum(Ops.mul(invL, l), false, 1, 2);
    Tensor diff = Ops.sub(Ops.broadcastTo(priorMean.rank() == 1 ? Ops.unsqueeze(priorMean, 0) : priorMean, t, p), mean);
    Tensor quad = Ops.sum(Ops.mul(Ops.matmul(diff, inv), diff), false, 1);
    Tensor logDetQ = Ops.mulScalar(Ops.sum(logDiagonal, false, 1), 2.0);
    return Ops.mulScalar(Ops.addScalar(Ops.sub(Ops.add(trace, quad), logDetQ), logDetPrior - p), 0.5);
  }
}
