package org.bml.inference;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;

/**
 * The data term of a task: a per-task loss that is a negative log-likelihood up to constants.
 * Returns shape {@code [T]}: one loss per task, each the mean over that task's points, so the sum
 * over tasks has per-task gradients that do not interfere.
 */
@FunctionalInterface
public interface Likelihood {
  Tensor perTask(Params phi, Data data);

  /** Mean squared error of a regression model (a Gaussian likelihood with fixed variance). */
  static Likelihood meanSquaredError(Model model) {
    return (phi, d) -> Ops.mean(Ops.square(Ops.sub(model.forward(phi, d.x()), d.y())), false, 1, 2);
  }

  /** Softmax cross-entropy of a classifier, targets one-hot {@code [T, n, classes]}. */
  static Likelihood softmaxCrossEntropy(Model model) {
    return (phi, d) -> Ops.mean(Ops.softmaxCrossEntropy(model.forward(phi, d.x()), d.y(), -1), false, 1);
  }
}
