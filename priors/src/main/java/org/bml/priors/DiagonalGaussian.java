package org.bml.priors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * N(μ, diag(σ²)) with one mean and one log-variance per parameter element, both tensors that may
 * be learnable variables (e.g. a meta-learned prior, or a Gaussian posterior over θ). The variance
 * is held as its logarithm so that it stays positive under unconstrained gradient steps.
 */
public final class DiagonalGaussian implements FactorisedGaussian {
  private final Params mean;
  private final Params logVariance;
  private final long tasks;
  private final LinkedHashMap<String, long[]> shapes;
  private final DataType dtype;

  /** A prior shared by all tasks: μ and log σ² with the declared shapes (no task axis). */
  public DiagonalGaussian(Params mean, Params logVariance) {
    this(mean, logVariance, false);
  }

  /** One prior per task: every tensor of μ and log σ² carries the same leading task axis. */
  public static DiagonalGaussian perTask(Params mean, Params logVariance) {
    return new DiagonalGaussian(mean, logVariance, true);
  }

  /** From variances σ² (all must be positive and finite); the log is taken once, differentiably. */
  public static DiagonalGaussian fromVariances(Params mean, Params variance) {
    requireStructure(mean, variance);
    for (Map.Entry<String, Tensor> e : variance.entries()) {
      Structures.requireFinite("DiagonalGaussian", "variance '" + e.getKey() + "'", e.getValue());
      double min = e.getValue().value().minNumber().doubleValue();
      if (!(min > 0)) {
        throw new IllegalArgumentException("DiagonalGaussian: variance '" + e.getKey()
            + "' must be positive everywhere, got minimum " + min);
      }
    }
    return new DiagonalGaussian(mean, variance.map(Ops::log));
  }

  private DiagonalGaussian(Params mean, Params logVariance, boolean perTask) {
    requireStructure(mean, logVariance);
    DataType dm = Structures.floatingDtype("DiagonalGaussian: mean", mean);
    DataType dv = Structures.floatingDtype("DiagonalGaussian: log-variance", logVariance);
    if (dm != dv) {
      throw new IllegalArgumentException("DiagonalGaussian: mean has dtype " + dm + " but log-variance " + dv);
    }
    for (Map.Entry<String, Tensor> e : logVariance.entries()) {
      Structures.requireFinite("DiagonalGaussian", "log-variance '" + e.getKey() + "'", e.getValue());
    }
    this.mean = mean;
    this.logVariance = logVariance;
    this.dtype = dm;
    if (perTask) {
      this.shapes = Structures.shapesWithoutTaskAxis("DiagonalGaussian.perTask", mean);
      this.tasks = Structures.leadingSize(mean);
    } else {
      this.shapes = Structures.shapesOf(mean);
      this.tasks = 0;
    }
  }

  private static void requireStructure(Params mean, Params second) {
    if (mean == null || second == null) {
      throw new IllegalArgumentException("DiagonalGaussian: mean and (log-)variance must be given");
    }
    try {
      mean.requireSameStructure(second);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DiagonalGaussian: mean and (log-)variance differ in structure: "
          + e.getMessage(), e);
    }
  }

  public Params mean() {
    return mean;
  }

  public Params logVariance() {
    return logVariance;
  }

  @Override
  public Tensor mean(String name) {
    return mean.get(name);
  }

  @Override
  public Tensor logVariance(String name) {
    return logVariance.get(name);
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return Structures.copy(shapes);
  }

  @Override
  public long tasks() {
    return tasks;
  }

  @Override
  public DataType dtype() {
    return dtype;
  }

  @Override
  public List<Tensor> tensors() {
    List<Tensor> all = mean.tensors();
    all.addAll(logVariance.tensors());
    return all;
  }

  @Override
  public String toString() {
    return "DiagonalGaussian" + Structures.describe(shapes) + (tasks > 0 ? " x " + tasks + " tasks" : "");
  }
}
