/**
 * Meta-batches across machines on Apache Spark: {@link org.bml.spark.SparkTaskExecutor} broadcasts θ
 * each step, each executor samples and computes its contiguous share of the meta-batch's shards
 * (so no task data crosses the network), and the driver adds the per-partition sums in partition
 * order. Found by the command line through {@link org.bml.algorithms.parallel.TaskExecutorFactory}.
 */
package org.bml.spark;
