/**
 * Timing of the data pipeline: {@link org.bml.datasets.bench.DatasetBench} prints
 * {@code bench <case> <value> <unit>} lines for the full Omniglot load and for meta-batch
 * episode generation; the project's bench module collects them.
 */
package org.bml.datasets.bench;
