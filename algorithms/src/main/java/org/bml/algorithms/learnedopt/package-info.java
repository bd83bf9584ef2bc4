/**
 * Learned optimizers: an update rule whose parameters are meta-learned over a distribution of
 * optimization problems. {@link org.bml.algorithms.learnedopt.LstmOptimizer} is the coordinate-wise
 * two-layer LSTM of Andrychowicz et al., "Learning to learn by gradient descent by gradient
 * descent" (NeurIPS 2016, arXiv:1606.04474), trained by truncated back-propagation through time
 * ({@link org.bml.algorithms.learnedopt.LstmOptimizerTrainer}) on the paper's random 10-d quadratics
 * ({@link org.bml.algorithms.learnedopt.Quadratics}); the hand-designed rules it is compared with
 * (SGD, momentum, Adam, RMSprop) are in {@link org.bml.algorithms.learnedopt.HandDesigned}.
 *
 * <p>{@link org.bml.algorithms.learnedopt.MetaLearnerLstm} is the meta-learner LSTM of Ravi &amp;
 * Larochelle, "Optimization as a Model for Few-Shot Learning" (ICLR 2017): a {@code MetaLearner}
 * whose cell state is the learner's parameters (input gate = learned step size, forget gate =
 * learned decay), trained on support/query episodes like MAML.
 *
 * <p>The other learners here optimize a problem's parameters directly instead of adapting a model to a
 * support set, so they do not implement {@code MetaLearner}: a problem is an {@link
 * org.bml.algorithms.learnedopt.Optimizee} (a batch of objectives on a leading task axis).
 */
package org.bml.algorithms.learnedopt;
