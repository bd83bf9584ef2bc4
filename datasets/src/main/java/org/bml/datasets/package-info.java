/**
 * The task abstraction shared by every data set of bml.
 *
 * <p>A {@link org.bml.datasets.Task} is one few-shot problem: a support set to adapt on, a query
 * set to evaluate on, and a {@link org.bml.datasets.TaskInfo} carrying what generated it. A
 * {@link org.bml.datasets.TaskDistribution} maps {@code (seed, index)} to a task
 * deterministically and stacks tasks into a {@link org.bml.datasets.TaskBatch} with a leading
 * task axis. {@link org.bml.datasets.Seeds} derives the per-task random streams that make this
 * reproducible, and {@link org.bml.datasets.DatasetException} reports bad files and sizes.
 *
 * <p>Concrete distributions live in {@code org.bml.datasets.synthetic} (regression with known
 * ground truth) and {@code org.bml.datasets.omniglot} (image classification).
 */
package org.bml.datasets;
