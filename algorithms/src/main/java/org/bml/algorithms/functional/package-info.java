/**
 * Functional meta-learners: methods that meta-learn a map from a support set straight to a
 * predictive distribution over functions, without gradient steps at test time. Neural processes
 * (conditional and latent; Garnelo et al. ICML 2018, and the ICML 2018 workshop paper "Neural
 * Processes") amortise the posterior with a set encoder. Each predicts a Gaussian per point
 * ({@link org.bml.algorithms.predictive.GaussianOutputs}), so {@code eval --uncertainty} scores
 * its own predictive without an external noise model. Deep kernel transfer (Patacchiola et al.
 * NeurIPS 2020) conditions a GP with a meta-learned deep kernel: for regression
 * ({@link org.bml.algorithms.functional.DeepKernelTransfer}) and for classification, one GP per
 * class on ±1 targets ({@link org.bml.algorithms.functional.DktClassifier}, class probabilities
 * from the softmax of the posterior means).
 */
package org.bml.algorithms.functional;
