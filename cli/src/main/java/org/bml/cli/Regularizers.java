package org.bml.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bml.algorithms.MetaLearner;

/**
 * Meta-regularizers for {@code --regularizer NAME}, applied on top of the method's learner: each
 * entry names the methods it works with (empty: any), its own hyperparameters (given with
 * {@code --hp} like the method's, checked together with them) and a wrapper from the method's
 * learner and context to the regularised learner. MR-MAML's {@code mr-w} and {@code mr-a} (Yin et
 * al. 2020) are registered by {@link MrMamlRegularizers}.
 */
public final class Regularizers {
  /** Wraps a method's learner with a regularizer (or builds the regularised learner from the context). */
  @FunctionalInterface
  public interface Wrapper {
    MetaLearner apply(MetaLearner learner, MethodContext context);
  }

  /**
   * A registry entry.
   *
   * @param methods the method names it can be combined with; empty for any method
   * @param hyperparameters its own {@code --hp} names with defaults
   */
  public record Regularizer(String name, String summary, Set<String> methods, List<Methods.Hyper> hyperparameters,
      Wrapper wrapper) {
    public Regularizer {
      methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
      hyperparameters = List.copyOf(hyperparameters);
    }

    public MetaLearner apply(MetaLearner learner, MethodContext context) {
      return wrapper.apply(learner, context);
    }

    /** Refuses a method this regularizer does not work with, naming the ones it does. */
    public void checkMethod(String method) {
      if (!methods.isEmpty() && !methods.contains(method)) {
        throw new BadInputException("regularizer " + name + " works with --method " + String.join(", ", methods)
            + " only, not " + method + " (" + summary + ")");
      }
    }
  }

  private static final Map<String, Regularizer> REGISTRY = new LinkedHashMap<>();

  static {
    register(new Regularizer("none", "no meta-regularizer", Set.of(), List.of(), (learner, context) -> learner));
    MrMamlRegularizers.registerAll();
  }

  private Regularizers() {}

  /** Adds a regularizer for any method, without hyperparameters. */
  public static void register(String name, Wrapper wrapper) {
    register(new Regularizer(name, name, Set.of(), List.of(), wrapper));
  }

  public static synchronized void register(Regularizer regularizer) {
    if (REGISTRY.containsKey(regularizer.name())) {
      throw new IllegalStateException("regularizer '" + regularizer.name() + "' is already registered");
    }
    REGISTRY.put(regularizer.name(), regularizer);
  }

  public static synchronized Regularizer get(String name) {
    Regularizer r = REGISTRY.get(name);
    if (r == null) {
      throw new BadInputException("unknown regularizer '" + name + "' (have: " + String.join(", ", REGISTRY.keySet())
          + ")");
    }
    return r;
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }
}
