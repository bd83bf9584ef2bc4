package org.bml.inference;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.model.Params;

/**
 * An approximate posterior q(φ | D, θ) over per-task parameters, one per task of a batch
 * (parameters carry the leading task axis).
 *
 * <p>Lifecycle: produced by an {@link InferenceStrategy} from θ and a support set; its tensors are
 * differentiable with respect to θ when inference ran with a recorded graph; it is immutable and
 * is consumed by a {@link MetaObjective} or used for prediction.
 */
public interface TaskPosterior {
  /** The point estimate (mode / mean) of φ, per task. */
  Params mode();

  /** One sample of φ per task, reproducible for a given seed (reparameterised where defined). */
  Params sample(long seed);

  /** k samples (k task hypotheses). */
  default List<Params> sample(int k, long seed) {
    if (k <= 0) {
      throw new IllegalArgumentException("TaskPosterior.sample: k must be positive, got " + k);
    }
    List<Params> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      out.add(sample(seed * 1_000_003L + i));
    }
    return out;
  }

  /**
   * Equally weighted points whose mean approximates an expectation under q: the mode of a point
   * mass, otherwise {@code k} seeded samples. A posterior that is itself a finite set of points
   * (particles) returns those points, which makes the expectation exact.
   */
  default List<Params> hypotheses(int k, long seed) {
    return isPointMass() ? List.of(mode()) : sample(k, seed);
  }

  /** True when every sample equals the mode (a delta posterior). */
  boolean isPointMass();
}
