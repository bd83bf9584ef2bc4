package org.bml.algorithms.learnedopt;

import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of T independent objectives f_j(θ_j) on a leading task axis: θ is {@code [T, d, 1]}, one
 * column of d coordinates per task (the rows a coordinate-wise optimizer treats alike).
 */
public interface Optimizee {
  /** Number of tasks T. */
  int tasks();

  /** Coordinates d per task. */
  int dim();

  /** The starting point θ_0 {@code [T, d, 1]} (the same on every call). */
  INDArray initial();

  /** f_j(θ_j) for every task, {@code [T]}, on the tape. */
  Tensor losses(Tensor theta);

  /** ∇f_j(θ_j) for every task at the value of θ, {@code [T, d, 1]}, off the tape (a constant input). */
  default INDArray gradient(INDArray theta) {
    try (GradMode.Scope s = GradMode.enableGrad()) {
      Tensor v = Tensor.variable(theta);
      // The tasks are independent, so the gradient of the sum is each task's own gradient.
      return Autodiff.grad(Ops.sum(losses(v), false), v, false).value();
    }
  }

  /** Mean over tasks of f_j(θ_j) at the value of θ. */
  default double meanLoss(INDArray theta) {
    try (GradMode.Scope s = GradMode.noGrad()) {
      return Ops.mean(losses(Tensor.constant(theta)), false).item();
    }
  }
}
