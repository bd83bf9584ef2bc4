/**
 * Transductive meta-learners: adaptation that also reads the unlabelled query inputs of a task.
 * SIB (Hu et al. ICLR 2020, "Empirical Bayes Transductive Meta-Learning with Synthetic
 * Gradients") refines a Gaussian variational posterior over a linear classifier with a learned
 * synthetic-gradient network that sees only the query inputs. Since {@link
 * org.bml.algorithms.MetaLearner#adapt} receives the support set only, the transductive part runs
 * in {@link org.bml.algorithms.MetaLearner#predict}, on the inputs it is given (a task's query
 * points).
 */
package org.bml.algorithms.transductive;
