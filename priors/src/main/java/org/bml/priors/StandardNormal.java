package org.bml.priors;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fixed reference r(·) = N(0, I) over a parameter structure: MR-MAML's KL(q(θ) ‖ r(θ))
 * regulariser compares a learned Gaussian with it. Has nothing to learn.
 */
public final class StandardNormal implements FactorisedGaussian {
  private final LinkedHashMap<String, long[]> shapes;
  private final DataType dtype;
  private final Map<String, Tensor> zeros = new LinkedHashMap<>();
  private final Tensor zeroScalar;

  public StandardNormal(LinkedHashMap<String, long[]> shapes, DataType dtype) {
    if (shapes == null || shapes.isEmpty()) {
      throw new IllegalArgumentException("StandardNormal: no parameter shapes given");
    }
    if (dtype == null || !dtype.isFPType()) {
      throw new IllegalArgumentException("StandardNormal: need a floating dtype, got " + dtype);
    }
    this.shapes = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      for (long d : e.getValue()) {
        if (d <= 0) {
          throw new IllegalArgumentException("StandardNormal: '" + e.getKey() + "' has a non-positive dimension in "
              + Arrays.toString(e.getValue()));
        }
      }
      this.shapes.put(e.getKey(), e.getValue().clone());
      zeros.put(e.getKey(), Tensor.constant(Nd4j.zeros(dtype, e.getValue())));
    }
    this.dtype = dtype;
    this.zeroScalar = Tensor.constant(Nd4j.scalar(dtype, 0.0));
  }

  /** Over the names, shapes and dtype of a parameter collection without task axis. */
  public static StandardNormal like(Params template) {
    if (template == null) {
      throw new IllegalArgumentException("StandardNormal: template must be given");
    }
    return new StandardNormal(Structures.shapesOf(template),
        Structures.floatingDtype("StandardNormal: template", template));
  }

  @Override
  public Tensor mean(String name) {
    Tensor z = zeros.get(name);
    if (z == null) {
      throw new IllegalArgumentException("StandardNormal: no parameter '" + name + "' (have " + shapes.keySet() + ")");
    }
    return z;
  }

  @Override
  public Tensor logVariance(String name) {
    mean(name);
    return zeroScalar;
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
  public String toString() {
    return "StandardNormal" + Structures.describe(shapes);
  }
}
