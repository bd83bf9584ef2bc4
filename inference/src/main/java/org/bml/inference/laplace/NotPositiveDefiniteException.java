package org.bml.inference.laplace;

/**
 * A curvature that is not positive definite, so the Gaussian N(φ̂, H⁻¹) does not exist. The message
 * names the task, the smallest and largest eigenvalues, and the damping that would fix it.
 */
public final class NotPositiveDefiniteException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final int task;
  private final double smallestEigenvalue;
  private final double suggestedDamping;

  NotPositiveDefiniteException(String message, int task, double smallestEigenvalue, double suggestedDamping) {
    super(message);
    this.task = task;
    this.smallestEigenvalue = smallestEigenvalue;
    this.suggestedDamping = suggestedDamping;
  }

  /** The task (index in the batch) whose curvature failed. */
  public int task() {
    return task;
  }

  /** Its smallest eigenvalue (after any damping already applied). */
  public double smallestEigenvalue() {
    return smallestEigenvalue;
  }

  /** A δ for {@link Damping} that makes it positive definite. */
  public double suggestedDamping() {
    return suggestedDamping;
  }
}
