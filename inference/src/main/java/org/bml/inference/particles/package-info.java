/**
 * Particle task posteriors by Stein variational gradient descent (Liu & Wang 2016): M particles
 * moved by K steps of kernel-smoothed gradients of the log posterior plus a kernel repulsion,
 * written with the differentiable ops so the final particles are differentiable with respect to the
 * initial ones and θ (what BMAML's chaser loss needs, Yoon et al. 2018).
 */
package org.bml.inference.particles;
