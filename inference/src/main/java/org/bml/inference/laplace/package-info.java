/**
 * Laplace approximations of task posteriors: a Gaussian N(φ̂, H⁻¹) at an adapted point φ̂ with the
 * precision H from the exact Hessian of the negative log joint, its diagonal generalised
 * Gauss-Newton (Fisher) approximation, or Kronecker-factored (K-FAC) blocks for dense layers and
 * convolutions (KFC, Grosse & Martens 2016; {@code ConvNetwork}, with a {@code Conv4} adapter); the
 * Laplace estimate of the log marginal likelihood (the evidence LLAMA maximises, Grant et al. 2018);
 * seeded sampling; and damping when a curvature is not positive definite.
 *
 * <p>The curvature for sampling and damping is computed once per call, in double precision
 * (Hipparchus eigendecompositions). The log-determinant is also a tensor on the tape
 * ({@code LaplacePosterior.logDet()}): when the mode depends on θ the curvature is rebuilt with
 * recorded reverse passes, so the Laplace evidence (and LLAMA's objective) is differentiable with
 * respect to θ including the dependence of H on φ̂(θ) — Σ log of the diagonal for the diagonal GGN,
 * {@code Ops.logDetSpd} for the exact Hessian, {@code Ops.logDetKronecker} per layer for K-FAC
 * (differentiable once).
 */
package org.bml.inference.laplace;
