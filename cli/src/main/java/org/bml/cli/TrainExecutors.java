package org.bml.cli;

import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.algorithms.parallel.TaskExecutorFactory;
import org.bml.algorithms.parallel.ThreadedExecutor;

/** {@code train --workers N} and {@code --spark MASTER}: where a meta-step's shards run. */
final class TrainExecutors {
  /** More threads than this is a typo, not a machine. */
  static final int MAX_WORKERS = 1024;

  private TrainExecutors() {}

  /** The executor the options ask for, or null to compute in this thread (the default). */
  static TaskExecutor open(RunConfig config, Experiment exp, Integer workers, String spark) {
    if (workers != null && spark != null) {
      throw new BadInputException("--workers and --spark exclude each other: on Spark the executors' cores are the "
          + "workers");
    }
    if (workers != null) {
      RunConfig.atLeast("--workers", workers, 1);
      if (workers > MAX_WORKERS) {
        throw new BadInputException("--workers " + workers + " is more than " + MAX_WORKERS);
      }
    }
    if (spark == null && (workers == null || workers == 1)) {
      return null;
    }
    if (!exp.learner.decomposesOverTasks()) {
      throw new BadInputException(config.method() + "'s meta-loss does not decompose over tasks (a term shared by "
          + "the meta-batch), so it cannot be split over workers; train it without --workers/--spark");
    }
    if (spark != null) {
      TaskExecutorFactory factory;
      try {
        factory = TaskExecutorFactory.find("spark");
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--spark: " + e.getMessage(), e);
      }
      try {
        return factory.open(spark, new CliRecipe(config));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--spark " + spark + ": " + e.getMessage(), e);
      }
    }
    return new ThreadedExecutor(new Problem(exp.learner, exp.tasks().train()), workers);
  }

  /**
   * Tasks per shard: the configured chunk when it splits the meta-batch, otherwise the meta-batch
   * cut into one shard per worker. Not part of the run's configuration, so a resumed run may change
   * the worker count (the meta-gradient then differs by float rounding only).
   */
  static int shardSize(RunConfig config, TaskExecutor executor) {
    if (executor == null || config.chunk() < config.metaBatch()) {
      return config.chunk();
    }
    int parts = Math.min(executor.workers(), config.metaBatch());
    return (config.metaBatch() + parts - 1) / parts;
  }
}
