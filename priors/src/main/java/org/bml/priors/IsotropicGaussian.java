package org.bml.priors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * N(μ, σ² I): a mean per parameter element and one log-variance shared by all elements, both of
 * which may be learnable. Shared by all tasks (no task axis on the prior's own tensors).
 */
public final class IsotropicGaussian implements FactorisedGaussian {
  private final Params mean;
  private final Tensor logVariance;
  private final LinkedHashMap<String, long[]> shapes;
  private final DataType dtype;

  /** μ with the declared shapes and a one-element log σ² (any rank up to 1). */
  public IsotropicGaussian(Params mean, Tensor logVariance) {
    if (mean == null || logVariance == null) {
      throw new IllegalArgumentException("IsotropicGaussian: mean and log-variance must be given");
    }
    this.dtype = Structures.floatingDtype("IsotropicGaussian: mean", mean);
    if (logVariance.length() != 1 || logVariance.rank() > 1) {
      throw new IllegalArgumentException("IsotropicGaussian: log-variance must hold one value (shape [] or [1]), got "
          + logVariance);
    }
    if (logVariance.dtype() != dtype) {
      throw new IllegalArgumentException("IsotropicGaussian: mean has dtype " + dtype + " but log-variance "
          + logVariance.dtype());
    }
    Structures.requireFinite("IsotropicGaussian", "log-variance", logVariance);
    this.mean = mean;
    // Rank 0 broadcasts against every parameter shape, with or without a task axis.
    this.logVariance = Ops.reshape(logVariance);
    this.shapes = Structures.shapesOf(mean);
  }

  /** A fixed variance σ² (positive and finite). */
  public static IsotropicGaussian of(Params mean, double variance) {
    if (!(variance > 0) || !Double.isFinite(variance)) {
      throw new IllegalArgumentException("IsotropicGaussian: variance must be positive and finite, got " + variance);
    }
    if (mean == null) {
      throw new IllegalArgumentException("IsotropicGaussian: mean must be given");
    }
    DataType dtype = Structures.floatingDtype("IsotropicGaussian: mean", mean);
    return new IsotropicGaussian(mean, Tensor.constant(Nd4j.scalar(dtype, Math.log(variance))));
  }

  public Params mean() {
    return mean;
  }

  /** log σ² as a scalar tensor (shape []). */
  public Tensor logVariance() {
    return logVariance;
  }

  /** σ² as a number. */
  public double variance() {
    return Math.exp(logVariance.item());
  }

  @Override
  public Tensor mean(String name) {
    return mean.get(name);
  }

  @Override
  public Tensor logVariance(String name) {
    mean.get(name); // an unknown name is an error here too
    return logVariance;
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> copy = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      copy.put(e.getKey(), e.getValue().clone());
    }
    return copy;
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
    List<Tensor> all = mean.tensors();
    all.add(logVariance);
    return all;
  }

  @Override
  public String toString() {
    return "IsotropicGaussian" + Structures.describe(shapes) + " σ²=" + variance();
  }
}
