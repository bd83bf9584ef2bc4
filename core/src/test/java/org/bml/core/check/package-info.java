/**
 * Numerical oracles for the autodiff engine: finite-difference checks of gradients and
 * Hessian-vector products in float64, and seeded random inputs for them.
 *
 * <p>Test-support code: {@link org.bml.core.check.GradientCheck} lives in core's test sources and
 * reaches the tests of other modules that write their own differentiable functions on
 * {@link org.bml.core.autodiff.Ops} through the {@code bml-core} test-jar (a test-scoped dependency).
 */
package org.bml.core.check;
