package org.bml.algorithms.parallel;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.model.Params;

/** The shards one after another in the calling thread: the reference the other executors equal. */
public final class InProcessExecutor implements TaskExecutor {
  private final Problem problem;

  public InProcessExecutor(Problem problem) {
    if (problem == null) {
      throw new IllegalArgumentException("InProcessExecutor: problem is required");
    }
    this.problem = problem;
  }

  @Override
  public List<ShardResult> map(Params theta, long seed, long iteration, List<Shard> shards) {
    List<ShardResult> out = new ArrayList<>(shards.size());
    for (Shard s : shards) {
      out.add(ShardResult.compute(problem, theta, seed, iteration, s));
    }
    return out;
  }

  @Override
  public int workers() {
    return 1;
  }

  @Override
  public String describe() {
    return "in-process";
  }
}
