package org.bml.inference.laplace;

/**
 * Damping δ ≥ 0 added to the precision, H + δ I, when a curvature is not positive definite (at a
 * saddle, a mode that gradient descent has not reached, or with a flat direction). Applied either
 * to every task ({@link #always}) or only to the tasks whose curvature needs it
 * ({@link #whenNeeded}); the posterior reports which tasks were damped. Without damping a
 * non-positive-definite curvature is an error ({@link NotPositiveDefiniteException}), never NaN.
 *
 * @param delta δ, finite and ≥ 0
 * @param onlyWhenNeeded true: add δ only where the curvature is not positive definite
 */
public record Damping(double delta, boolean onlyWhenNeeded) {
  public Damping {
    if (!(delta >= 0) || !Double.isFinite(delta)) {
      throw new IllegalArgumentException("Damping: δ must be finite and >= 0, got " + delta);
    }
  }

  /** No damping: a curvature that is not positive definite is an error. */
  public static Damping none() {
    return new Damping(0, false);
  }

  /** δ I added to every task's precision. */
  public static Damping always(double delta) {
    return new Damping(delta, false);
  }

  /** δ I added only to the precisions that are not positive definite (δ > 0). */
  public static Damping whenNeeded(double delta) {
    if (!(delta > 0)) {
      throw new IllegalArgumentException("Damping.whenNeeded: δ must be positive, got " + delta);
    }
    return new Damping(delta, true);
  }

  boolean isNone() {
    return delta == 0;
  }
}
