package org.bml.algorithms.parallel;

import org.bml.algorithms.MetaLearner;
import org.bml.datasets.TaskDistribution;

/** What a worker needs to compute shards: the method and the training tasks it samples from. */
public record Problem(MetaLearner learner, TaskDistribution tasks) {
  public Problem {
    if (learner == null || tasks == null) {
      throw new IllegalArgumentException("Problem: learner and tasks are required");
    }
  }
}
