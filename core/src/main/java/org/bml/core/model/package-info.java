/**
 * Functional models: a {@link org.bml.core.model.Model} is a pure function
 * {@code forward(params, x)} of an immutable {@link org.bml.core.model.Params} collection, so task
 * adaptation produces new parameter values and never mutates. Inputs carry a leading task axis and
 * each parameter may be shared by all tasks or given per task, which lets one call evaluate a
 * whole meta-batch.
 */
package org.bml.core.model;
