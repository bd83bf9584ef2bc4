/**
 * Task-parallel meta-steps: a meta-batch is cut into contiguous shards of tasks, each shard's
 * weighted loss and meta-gradient is computed where the tasks are sampled (a worker thread, a
 * Spark executor), and the driver adds the shards' results in shard order before the outer step.
 *
 * <p>Because each shard samples its own tasks from {@code (seed, iteration, task index)}, no data
 * travels, and because the reduction order is fixed, a run is bit-identical for a fixed shard
 * layout and seed whatever the number of workers or the order in which they finish.
 */
package org.bml.algorithms.parallel;
