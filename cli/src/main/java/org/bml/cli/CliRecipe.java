package org.bml.cli;

import java.util.TreeMap;
import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.ProblemRecipe;

/**
 * A training run's problem as its checkpoint configuration (strings only), so that a remote
 * executor builds the same method and training tasks as the driver from the same keys.
 */
public final class CliRecipe implements ProblemRecipe {
  private static final long serialVersionUID = 1L;
  private final TreeMap<String, String> config;

  public CliRecipe(RunConfig config) {
    this.config = new TreeMap<>(config.toMap());
  }

  @Override
  public Problem build() {
    RunConfig c = RunConfig.fromMap(config, "the run configuration sent to a worker");
    Experiment exp = Experiment.build(c, c.episode());
    return new Problem(exp.learner, exp.tasks().train());
  }

  @Override
  public String key() {
    return config.toString();
  }
}
