/**
 * Variational task posteriors: the amortized diagonal Gaussian q(φ | D, θ) = N(μ, diag σ²) of
 * PLATIPUS (Finn, Xu & Levine 2018) and ABML (Ravi & Beatson 2019), whose mean comes from gradient
 * steps from θ and whose log σ are meta-parameters, or from an inference network (a Deep Sets
 * encoder of the support set whose weights are meta-parameters, as in VERSA, Gordon et al. 2019,
 * over all of φ or a subset such as the head, the rest fixed at θ); reparameterised samples; the closed-form KL
 * between diagonal Gaussians; the ELBO estimator; and a full-covariance Gaussian N(m, L Lᵀ) over
 * the flat parameter vector. Everything is a composition of the differentiable ops, so the ELBO's
 * gradient with respect to θ, log σ and the prior's parameters comes from the tape.
 */
package org.bml.inference.variational;
