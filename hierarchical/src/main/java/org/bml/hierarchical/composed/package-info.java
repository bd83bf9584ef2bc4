/**
 * Meta-learners written as compositions over the inference layer's pieces that no learner used
 * before: {@code Imaml} (MAP under the explicit Gaussian prior N(θ, λ⁻¹I) solved to tolerance,
 * meta-gradient by implicit differentiation with conjugate gradient on Hessian-vector products;
 * Rajeswaran et al. 2019), {@code Abml} (amortized diagonal Gaussians from gradient steps on the
 * ELBO started at the prior, with a hyper-prior on θ; Ravi &amp; Beatson 2019) and {@code Versa}
 * (a set-encoder {@code InferenceNetwork} giving the head's Gaussian posterior, no inner gradient
 * steps; Gordon et al. 2019).
 */
package org.bml.hierarchical.composed;
