/**
 * Outer-loop (meta-parameter) optimisation: ND4J's updaters (Adam, SGD, ...) applied to a flat
 * view of all meta-parameters, optionally per parameter group (e.g. sign descent for an encoder,
 * Adam for a decoder), with optional global-norm gradient clipping and learning-rate schedules,
 * and a state that checkpoints can save and restore exactly.
 */
package org.bml.core.optim;
