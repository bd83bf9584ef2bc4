package org.bml.core.model;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A model as a pure function of its parameters.
 *
 * <p>Lifecycle: {@link #init} makes seeded initial parameter values (the meta-parameters θ);
 * {@link #forward} evaluates the model for given parameters and never keeps or mutates them.
 * Inputs carry a leading task axis, {@code x [T, n, ...]}; each parameter is either shared (its
 * declared shape from {@link #parameterShapes()}) or per task (the declared shape with a leading
 * {@code T}), so one call evaluates a whole meta-batch of adapted parameters.
 */
public interface Model {
  /** Parameter names and shapes (without task axis), in a fixed order. */
  LinkedHashMap<String, long[]> parameterShapes();

  /** Seeded initial parameters: the same seed gives the same values. */
  Params init(long seed, DataType dtype);

  /** Outputs {@code [T, n, outputs]} for inputs {@code [T, n, ...]}. */
  Tensor forward(Params params, Tensor x);

  /** Whether a parameter tensor carries the task axis (one more dimension than declared). */
  default boolean isPerTask(String name, Tensor value) {
    long[] declared = parameterShapes().get(name);
    if (declared == null) {
      throw new IllegalArgumentException("model has no parameter '" + name + "'");
    }
    if (value.rank() == declared.length + 1) {
      return true;
    }
    if (value.rank() == declared.length) {
      return false;
    }
    throw new IllegalArgumentException("parameter '" + name + "' has rank " + value.rank()
        + " but the model declares rank " + declared.length + " (or one more with a task axis)");
  }
}
