package org.bml.priors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A prior distribution p(φ) over a named collection of parameters.
 *
 * <p>Task axis: every parameter has a declared shape ({@link #parameterShapes()}). A tensor of φ
 * either has exactly that shape (one parameter vector) or carries one more leading axis of size T
 * (one vector per task). A prior's own tensors may carry the task axis as well ({@link #tasks()}
 * &gt; 0: one prior per task). Results that sum over parameters are then one value per task,
 * shape {@code [T]}; without any task axis they are scalars (shape {@code []}).
 *
 * <p>Everything returned is a {@link Tensor} built from the differentiable ops, so gradients flow
 * to φ and to the prior's own parameters (e.g. a learnable mean and log-variance).
 */
public interface Prior {
  /** Declared parameter names and shapes (without task axis), in a fixed order. */
  LinkedHashMap<String, long[]> parameterShapes();

  /** T when the prior's own tensors carry a leading task axis (one prior per task), else 0. */
  long tasks();

  /** The floating-point type of the prior's tensors; φ must have the same. */
  DataType dtype();

  /** log p(φ), summed over all parameters: {@code [T]} where a task axis is present, else {@code []}. */
  Tensor logDensity(Params phi);

  /**
   * One draw with the prior's own task axis (if any), reproducible for a given seed. Where the
   * family allows it the draw is reparameterised (μ + σ ⊙ ε with constant noise ε), so it is
   * differentiable with respect to the prior's parameters.
   */
  Params sample(long seed);

  /** One independent draw per task: every tensor gets a leading axis of size {@code tasks}. */
  Params sample(long tasks, long seed);

  /**
   * KL(this ‖ other) in closed form, where one is known for the pair of families; empty otherwise.
   * Shape {@code [T]} when either side carries a task axis, else {@code []}. Throws
   * {@link IllegalArgumentException} when a closed form exists but the two priors are over
   * different parameter structures.
   */
  default Optional<Tensor> klDivergenceTo(Prior other) {
    return Optional.empty();
  }

  /** The prior's own tensors (learnable ones require gradients); empty when it has none. */
  default List<Tensor> tensors() {
    return List.of();
  }
}
