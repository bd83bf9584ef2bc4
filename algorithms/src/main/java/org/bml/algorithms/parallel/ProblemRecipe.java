package org.bml.algorithms.parallel;

import java.io.Serializable;

/**
 * A serializable description from which a remote worker builds its {@link Problem} once and keeps
 * it across meta-steps (Omniglot is decoded once per executor, not per step).
 *
 * <p>{@link #key()} identifies the problem: two recipes with the same key must build equal problems.
 */
public interface ProblemRecipe extends Serializable {
  Problem build();

  String key();
}
