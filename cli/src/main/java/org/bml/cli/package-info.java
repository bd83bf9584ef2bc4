/** The {@code bml} command line: the default sinusoid MAML job, training, evaluation and benchmarks. */
package org.bml.cli;
