/**
 * Uncertainty-aware prediction for any {@link org.bml.algorithms.MetaLearner}, and its metrics.
 *
 * <p>A method's sampled task hypotheses ({@link org.bml.algorithms.MetaLearner#hypotheses}; one for
 * point estimates) define a predictive distribution: for regression a uniform mixture of Gaussians
 * N(f_h(x), σ²_h) ({@link org.bml.algorithms.predictive.RegressionPredictive}, with the observation
 * noise chosen by a {@link org.bml.algorithms.predictive.NoiseModel}); for classification the mean
 * of the hypotheses' softmax probabilities
 * ({@link org.bml.algorithms.predictive.ClassificationPredictive}). {@link
 * org.bml.algorithms.predictive.Predictives} builds them from a learner, a support set and query
 * inputs; {@link org.bml.algorithms.predictive.UncertaintyMetrics} scores them (NLL, MSE,
 * accuracy, ECE/MCE, Brier, interval coverage, mode coverage); {@link
 * org.bml.algorithms.predictive.TaskModes} supplies the candidate modes of ambiguous tasks. Results
 * are plain double arrays, indexed {@code [task][point][output]} like the tensors they come from.
 */
package org.bml.algorithms.predictive;
