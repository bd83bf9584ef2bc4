/**
 * The Bayesian meta-learners, each a {@link org.bml.algorithms.MetaLearner} assembled from the
 * inference layer and reducing exactly to MAML in its degenerate setting (property-tested):
 * {@code Llama}: MAML's objective plus η·½ log det of the Laplace curvature (K-FAC for dense and
 * conv layers) at the adapted point, hypotheses sampled from the Laplace posterior;
 * {@code Platipus}: amortized Gaussians over θ with learned variances and γ-steps, trained with the
 * query loss plus KL(q ‖ p), sampled hypotheses at test; {@code Bmaml}: SVGD particles
 * ({@code BmamlPosterior}: Gamma hyper-priors on the likelihood and weight precisions) trained with
 * the chaser loss; {@code Emaml}: the kernel-free ensemble of MAML learners; {@code BmamlEnsemble}:
 * the particle naming and ensemble predictions they share; {@code MrMamlWeights} and
 * {@code MrMamlActivations}: MAML with the MR-MAML meta-regularizers of {@code org.bml.regularizers}
 * on the non-adapted weights or on a stochastic bottleneck.
 */
package org.bml.hierarchical;
