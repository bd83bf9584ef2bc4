package org.bml.spark;

import org.bml.algorithms.parallel.ProblemRecipe;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.algorithms.parallel.TaskExecutorFactory;

/** Provides the {@code spark} engine to {@link TaskExecutorFactory#find}. */
public final class SparkExecutorFactory implements TaskExecutorFactory {
  @Override
  public String engine() {
    return "spark";
  }

  @Override
  public TaskExecutor open(String master, ProblemRecipe recipe) {
    return SparkTaskExecutor.open(master, recipe);
  }
}
