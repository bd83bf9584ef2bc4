/**
 * Laplace approximations of task posteriors: a Gaussian N(φ̂, H⁻¹) at an adapted point φ̂ with the
 * precision H from the exact Hessian of the negative log joint, its diagonal generalised
 * Gauss-Newton (Fisher) approximation, or Kronecker-factored (K-FAC) blocks for dense layers; the
 * Laplace estimate of the log marginal likelihood (the evidence LLAMA maximises, Grant et al. 2018);
 * seeded sampling; and damping when a curvature is not positive definite.
 *
 * <p>The curvature is computed once per call, in double precision (Hipparchus eigendecompositions),
 * and is a constant of the tape: the mode and the log-joint terms stay differentiable with respect
 * to θ, the log-determinant does not.
 */
package org.bml.inference.laplace;
