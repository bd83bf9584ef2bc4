/**
 * Reverse-mode automatic differentiation over ND4J arrays, exact to any order.
 *
 * <p>A {@link org.bml.core.autodiff.Tensor} is an immutable value plus, when it was produced by an
 * op under grad mode from inputs that require gradients, the {@link org.bml.core.autodiff.Node}
 * that produced it. Every op in {@link org.bml.core.autodiff.Ops} computes eagerly with ND4J and
 * records a backward rule that is itself written with {@code Ops}; {@link
 * org.bml.core.autodiff.Autodiff#grad} therefore records the backward pass when asked to
 * ({@code createGraph}), and gradients of gradients are exact. SameDiff cannot do this for its own
 * backward ops in ND4J 1.0.0-M2.1, which is why this package exists.
 *
 * <p>Scopes: {@link org.bml.core.autodiff.GradMode#noGrad()} stops recording; {@link
 * org.bml.core.autodiff.Anomaly#detect()} names the first op that produced NaN or Inf.
 */
package org.bml.core.autodiff;
