/**
 * The point-estimate meta-learners as thin compositions of the inference layer: each is an
 * {@link org.bml.inference.InferenceStrategy} (how a task posterior is formed from θ and a support
 * set) plus a {@link org.bml.inference.MetaObjective} (how it is scored on the query set), and
 * {@link org.bml.algorithms.MetaTrainer} is the driver that joins them to an outer optimizer.
 */
package org.bml.algorithms;
