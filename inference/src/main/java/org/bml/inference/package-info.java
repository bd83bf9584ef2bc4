/**
 * The inference layer: strategies that turn meta-parameters θ and a task's support set into a
 * task posterior q(φ | D, θ) that is differentiable with respect to θ, and the meta-objectives that
 * score posteriors on query sets. Truncated gradient descent (MAML's inner loop) gives a point
 * mass at an approximate MAP; the other strategies give Gaussians or particles.
 */
package org.bml.inference;
