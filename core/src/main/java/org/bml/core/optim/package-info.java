/**
 * Outer-loop (meta-parameter) optimisation: ND4J's updaters (Adam, SGD, ...) applied to a flat
 * view of all meta-parameters, with optional global-norm gradient clipping and learning-rate
 * schedules, and a state that checkpoints can save and restore exactly.
 */
package org.bml.core.optim;
