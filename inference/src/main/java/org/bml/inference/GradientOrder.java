package org.bml.inference;

/**
 * How the meta-gradient treats the inner loop. Always chosen explicitly: nothing switches to
 * first order silently.
 */
public enum GradientOrder {
  /** Differentiate through the inner gradient steps exactly (Hessian-vector products included). */
  SECOND,
  /** Treat inner-loop gradients as constants (FOMAML): drops the Hessian term. */
  FIRST
}
