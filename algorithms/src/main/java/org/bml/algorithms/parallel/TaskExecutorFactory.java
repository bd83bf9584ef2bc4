package org.bml.algorithms.parallel;

import java.util.ServiceLoader;

/**
 * A cluster executor found on the class path ({@link ServiceLoader}), so that the command line
 * does not carry a cluster engine's jars; {@code bml-spark} provides {@code spark}.
 */
public interface TaskExecutorFactory {
  /** The engine's name, e.g. {@code spark}. */
  String engine();

  /**
   * Connects to {@code master} and prepares workers that build their problem from {@code recipe}.
   *
   * @throws IllegalArgumentException if the master or recipe is unusable (message names it)
   */
  TaskExecutor open(String master, ProblemRecipe recipe);

  /** The factory of an engine, or an error that says how to get it on the class path. */
  static TaskExecutorFactory find(String engine) {
    for (TaskExecutorFactory f : ServiceLoader.load(TaskExecutorFactory.class)) {
      if (f.engine().equals(engine)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no '" + engine + "' executor on the class path: build the bml-" + engine
        + " module once (mvn -B -q -Dmaven.test.skip=true -pl " + engine + " -am install); ./bml then puts "
        + engine + "/target/lib on the class path");
  }
}
