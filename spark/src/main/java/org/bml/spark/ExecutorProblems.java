package org.bml.spark;

import java.util.concurrent.ConcurrentHashMap;
import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.ProblemRecipe;

/**
 * The problems an executor JVM has built, by recipe key: built on the first shard that needs it and
 * kept for the rest of the run (Omniglot decodes once per executor, not once per step).
 */
final class ExecutorProblems {
  private static final ConcurrentHashMap<String, Problem> BUILT = new ConcurrentHashMap<>();

  private ExecutorProblems() {}

  static Problem get(ProblemRecipe recipe) {
    return BUILT.computeIfAbsent(recipe.key(), k -> recipe.build());
  }
}
