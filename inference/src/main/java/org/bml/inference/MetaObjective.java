package org.bml.inference;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;

/** Scores task posteriors on query sets: the scalar loss that trains θ. */
@FunctionalInterface
public interface MetaObjective {
  Tensor loss(TaskPosterior posterior, Data query, Likelihood likelihood);

  /** Mean over tasks of the query loss at the posterior's mode (MAML's objective). */
  static MetaObjective queryLossAtMode() {
    return (q, d, lik) -> Ops.mean(lik.perTask(q.mode(), d), false);
  }
}
