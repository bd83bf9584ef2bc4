/**
 * Numerical oracles for the autodiff engine: finite-difference checks of gradients and
 * Hessian-vector products in float64, and seeded random inputs for them.
 *
 * <p>{@link org.bml.core.check.GradientCheck} is meant for tests, in this module and in others that
 * write their own differentiable functions on {@link org.bml.core.autodiff.Ops}.
 */
package org.bml.core.check;
