/**
 * The {@code bml} command line ({@link org.bml.cli.Main}): the default sinusoid MAML job with its
 * plot, {@code train} / {@code eval} / {@code predict} over the registries of methods
 * ({@link org.bml.cli.Methods}), data sets ({@link org.bml.cli.Datasets}) and meta-regularizers
 * ({@link org.bml.cli.Regularizers}), and {@code bench}. Runs are described by a
 * {@link org.bml.cli.RunConfig} stored in each checkpoint, so every command rebuilds a method the
 * same way.
 */
package org.bml.cli;
