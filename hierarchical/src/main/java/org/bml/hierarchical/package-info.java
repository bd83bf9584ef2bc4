/**
 * The Bayesian meta-learners: LLAMA, PLATIPUS, BMAML. {@code Platipus}: amortized Gaussians over
 * θ with learned variances and γ-steps, trained with the query loss plus KL(q ‖ p), sampled
 * hypotheses at test; {@code Bmaml}: SVGD particles ({@code BmamlPosterior}: Gamma hyper-priors on
 * the likelihood and weight precisions) trained with the chaser loss; {@code Emaml}: the kernel-free
 * ensemble of MAML learners; {@code BmamlEnsemble}: the particle naming and ensemble predictions
 * they share.
 */
package org.bml.hierarchical;
