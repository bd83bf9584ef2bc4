package org.bml.priors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Noise;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * N(μ, Q) with a full covariance Q over the flattened parameter vector: all parameters'
 * elements concatenated in name order, each tensor row-major. The mean is a parameter collection
 * (possibly learnable, e.g. θ); Q is a fixed double-precision matrix, as the implicit prior of
 * early stopping ({@link EarlyStoppingPrior#asPrior}) gives it. Shared by all tasks.
 *
 * <p>log p(φ) = −½ (φ − μ)ᵀ Q⁻¹ (φ − μ) − ½ (N log 2π + log det Q), differentiable in φ and μ.
 */
public final class FullCovarianceGaussian implements Prior {
  private final Params mean;
  private final LinkedHashMap<String, long[]> shapes;
  private final DataType dtype;
  private final int dimension;
  private final RealMatrix covariance;
  private final RealMatrix precision;
  private final double logDetCovariance;
  private final RealMatrix sampleFactor; // L with L Lᵀ = Q
  private final Tensor precisionTensor;
  private final Tensor sampleFactorTransposed;

  /**
   * @param mean μ, tensors with the declared shapes (no task axis)
   * @param covariance Q, N×N symmetric positive definite with N the number of mean elements
   */
  public FullCovarianceGaussian(Params mean, RealMatrix covariance) {
    this(mean, checkedEigen(mean, covariance));
  }

  private FullCovarianceGaussian(Params mean, Eigen e) {
    this(mean, e.covariance, Matrices.compose(e.vectors, Matrices.map(e.values, v -> 1 / v)),
        sumLog(e.values), e.vectors.multiply(MatrixUtils.createRealDiagonalMatrix(Matrices.map(e.values, Math::sqrt))));
  }

  /** With the precision, log-determinant and a factor L (L Lᵀ = Q) already known analytically. */
  FullCovarianceGaussian(Params mean, RealMatrix covariance, RealMatrix precision, double logDetCovariance,
      RealMatrix sampleFactor) {
    requireMean(mean);
    this.mean = mean;
    this.shapes = Structures.shapesOf(mean);
    this.dtype = Structures.floatingDtype("FullCovarianceGaussian: mean", mean);
    this.dimension = Math.toIntExact(Structures.numel(shapes));
    if (covariance.getRowDimension() != dimension || !covariance.isSquare()) {
      throw new IllegalArgumentException("FullCovarianceGaussian: covariance is " + covariance.getRowDimension() + "x"
          + covariance.getColumnDimension() + " but the mean has " + dimension + " elements "
          + Structures.describe(shapes));
    }
    if (!Double.isFinite(logDetCovariance)) {
      throw new IllegalArgumentException("FullCovarianceGaussian: log det Q = " + logDetCovariance
          + " is not finite (a variance is zero or infinite)");
    }
    Matrices.requireFinite("FullCovarianceGaussian: covariance", covariance);
    Matrices.requireFinite("FullCovarianceGaussian: precision", precision);
    this.covariance = covariance.copy();
    this.precision = precision.copy();
    this.logDetCovariance = logDetCovariance;
    this.sampleFactor = sampleFactor.copy();
    this.precisionTensor = constant(precision, dtype);
    this.sampleFactorTransposed = constant(sampleFactor.transpose(), dtype);
  }

  private record Eigen(RealMatrix covariance, RealMatrix vectors, double[] values) {}

  private static void requireMean(Params mean) {
    if (mean == null) {
      throw new IllegalArgumentException("FullCovarianceGaussian: mean must be given");
    }
  }

  private static Eigen checkedEigen(Params mean, RealMatrix covariance) {
    requireMean(mean);
    if (covariance == null) {
      throw new IllegalArgumentException("FullCovarianceGaussian: covariance must be given");
    }
    long n = Structures.numel(Structures.shapesOf(mean));
    if (covariance.getRowDimension() != n || covariance.getColumnDimension() != n) {
      throw new IllegalArgumentException("FullCovarianceGaussian: covariance is " + covariance.getRowDimension() + "x"
          + covariance.getColumnDimension() + " but the mean has " + n + " elements");
    }
    RealMatrix q = Matrices.symmetric("FullCovarianceGaussian: covariance", covariance);
    EigenDecompositionSymmetric eig = Matrices.eigen(q);
    double[] values = eig.getEigenvalues();
    double max = 0;
    double min = Double.POSITIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    // Below this an eigenvalue is indistinguishable from rounding of the largest one.
    double floor = values.length * Math.ulp(1.0) * max;
    if (!(min > floor)) {
      throw new IllegalArgumentException("FullCovarianceGaussian: covariance must be positive definite; smallest "
          + "eigenvalue " + min + " (largest " + max + ")");
    }
    return new Eigen(q, eig.getV(), values);
  }

  private static double sumLog(double[] values) {
    double s = 0;
    for (double v : values) {
      s += Math.log(v);
    }
    return s;
  }

  private static Tensor constant(RealMatrix m, DataType dtype) {
    return Tensor.constant(Nd4j.createFromArray(m.getData()).castTo(dtype));
  }

  public Params mean() {
    return mean;
  }

  public RealMatrix covariance() {
    return covariance.copy();
  }

  public RealMatrix precision() {
    return precision.copy();
  }

  public double logDetCovariance() {
    return logDetCovariance;
  }

  public int dimension() {
    return dimension;
  }

  @Override
  public Tensor logDensity(Params phi) {
    long tasks = Structures.tasksOf("FullCovarianceGaussian.logDensity", shapes, dtype, phi);
    Tensor delta = Ops.sub(flatten(phi, tasks), flatten(mean, 0)); // [T or 1, N]
    Tensor quadratic = Ops.sum(Ops.mul(Ops.matmul(delta, precisionTensor), delta), false, 1);
    Tensor logp = Ops.addScalar(Ops.mulScalar(quadratic, -0.5),
        -0.5 * (dimension * Math.log(2 * Math.PI) + logDetCovariance));
    return tasks > 0 ? logp : Ops.reshape(logp);
  }

  @Override
  public Params sample(long seed) {
    return draw(0, seed);
  }

  @Override
  public Params sample(long tasks, long seed) {
    Structures.requireTaskCount("FullCovarianceGaussian.sample", tasks);
    return draw(tasks, seed);
  }

  // μ + L ε with ε ~ N(0, I) constant, so the draw is differentiable in μ.
  private Params draw(long tasks, long seed) {
    long rows = Math.max(tasks, 1);
    Tensor eps = Noise.standardNormal(new SplittableRandom(seed), dtype, new long[] {rows, dimension});
    Tensor flat = Ops.add(flatten(mean, 0), Ops.matmul(eps, sampleFactorTransposed));
    return unflatten(flat, tasks);
  }

  /**
   * KL(this ‖ p) for two full-covariance Gaussians over the same structure:
   * ½ [tr(Q_p⁻¹ Q) + (μ_p − μ)ᵀ Q_p⁻¹ (μ_p − μ) − N + log det Q_p − log det Q], differentiable in
   * both means.
   */
  @Override
  public Optional<Tensor> klDivergenceTo(Prior other) {
    if (!(other instanceof FullCovarianceGaussian p)) {
      return Optional.empty();
    }
    Structures.requireSameShapes("FullCovarianceGaussian.klDivergenceTo", shapes, p.shapes);
    if (dtype != p.dtype) {
      throw new IllegalArgumentException("FullCovarianceGaussian.klDivergenceTo: dtypes differ: " + dtype + " vs "
          + p.dtype);
    }
    double constant = 0.5 * (p.precision.multiply(covariance).getTrace() - dimension + p.logDetCovariance
        - logDetCovariance);
    Tensor delta = Ops.sub(flatten(p.mean, 0), flatten(mean, 0));
    Tensor quadratic = Ops.sum(Ops.mul(Ops.matmul(delta, p.precisionTensor), delta), false);
    return Optional.of(Ops.addScalar(Ops.mulScalar(quadratic, 0.5), constant));
  }

  // [T, N] (or [1, N] without task axis): each parameter reshaped to rows and concatenated.
  private Tensor flatten(Params p, long tasks) {
    long rows = Math.max(tasks, 1);
    List<Tensor> parts = new ArrayList<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      parts.add(Ops.reshape(p.get(e.getKey()), rows, Structures.numel(e.getValue())));
    }
    return parts.size() == 1 ? parts.get(0) : Ops.concat(1, parts);
  }

  private Params unflatten(Tensor flat, long tasks) {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    long offset = 0;
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long n = Structures.numel(e.getValue());
      Tensor part = shapes.size() == 1 ? flat : Ops.slice(flat, 1, offset, offset + n);
      out.put(e.getKey(), Ops.reshape(part, Structures.withTasks(tasks, e.getValue())));
      offset += n;
    }
    return Params.of(out);
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return Structures.copy(shapes);
  }

  @Override
  public long tasks() {
    return 0;
  }

  @Override
  public DataType dtype() {
    return dtype;
  }

  @Override
  public List<Tensor> tensors() {
    return mean.tensors();
  }

  @Override
  public String toString() {
    return "FullCovarianceGaussian" + Structures.describe(shapes) + " N=" + dimension;
  }
}
