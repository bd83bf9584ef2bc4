package org.bml.algorithms.predictive;

import org.bml.datasets.TaskBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The candidate modes of ambiguous tasks: functions consistent with a task's support set (for
 * sine-and-line tasks, the best sine and the best line), evaluated on a grid of inputs where
 * they are compared with the hypotheses' predictions by {@link UncertaintyMetrics#modeCoverage}.
 */
public interface TaskModes {
  /** Inputs {@code [T, g, d]} (the batch's dtype) on which modes and hypotheses are compared. */
  INDArray grid(TaskBatch batch);

  /**
   * {@code modes[t]}: task t's candidate modes {@code [m][g·out]} on the grid (flattened per point,
   * then output, like the model's {@code [g, out]} outputs), or {@code null} when the task is not
   * ambiguous (fewer than two modes), so mode coverage skips it.
   */
  double[][][] modes(TaskBatch batch, INDArray grid);
}
