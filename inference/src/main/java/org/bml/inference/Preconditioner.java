package org.bml.inference;

import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * The B of a preconditioned gradient step φ ← φ − B ∇L(φ), applied to per-task parameters and
 * gradients (leading task axis), differentiably: a B held in variables (learned step sizes, a
 * learned preconditioning matrix) receives meta-gradients through the steps.
 */
public interface Preconditioner {
  /** φ − B g for every task, name by name; φ and g have the same names and shapes. */
  Params step(Params phi, Params gradient);

  /** B's own tensors (those that require gradients make the inner loop differentiable). */
  default List<Tensor> tensors() {
    return List.of();
  }

  /** Throws {@link IllegalArgumentException} unless B fits meta-parameters θ (no task axis). */
  default void requireCompatible(Params theta) {}

  /** B = αI: plain gradient descent with step size α (finite, ≥ 0). MAML's inner loop. */
  static Preconditioner scalar(double stepSize) {
    return new ScalarPreconditioner(stepSize);
  }

  /**
   * B = diag(s): one step size per parameter element, with the names and shapes of θ (no task
   * axis), possibly variables to learn. Meta-SGD's inner loop (Li et al. 2017).
   */
  static Preconditioner perParameter(Params stepSizes) {
    return new DiagonalPreconditioner(stepSizes);
  }

  /**
   * A full matrix B {@code [N, N]} acting on the flattened parameter vector of each task: all
   * parameters' elements concatenated in θ's name order, each tensor row-major (N elements in
   * all). B need not be symmetric, and may be a variable.
   */
  static Preconditioner matrix(Tensor b) {
    return new MatrixPreconditioner(b);
  }
}
