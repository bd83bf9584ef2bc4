package org.bml.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bml.algorithms.MetaLearner;

/**
 * Meta-regularizers for {@code --regularizer NAME}, applied on top of the method's learner. Only
 * {@code none} exists so far; MR-MAML's {@code mr-w} and {@code mr-a} are being built in the
 * regularizers module and are refused with a clear message until they are registered here.
 */
public final class Regularizers {
  /** Wraps a method's learner with a regularizer. */
  @FunctionalInterface
  public interface Wrapper {
    MetaLearner apply(MetaLearner learner, MethodContext context);
  }

  private static final Map<String, Wrapper> REGISTRY = new LinkedHashMap<>();
  /** Names reserved for regularizers that are announced but not available yet. */
  private static final Set<String> PLANNED = Set.of("mr-w", "mr-a");

  static {
    register("none", (learner, context) -> learner);
  }

  private Regularizers() {}

  public static synchronized void register(String name, Wrapper wrapper) {
    if (REGISTRY.containsKey(name)) {
      throw new IllegalStateException("regularizer '" + name + "' is already registered");
    }
    REGISTRY.put(name, wrapper);
  }

  public static synchronized Wrapper get(String name) {
    Wrapper w = REGISTRY.get(name);
    if (w != null) {
      return w;
    }
    if (PLANNED.contains(name)) {
      throw new BadInputException("regularizer '" + name + "' (MR-MAML) is not available yet in this build (have: "
          + String.join(", ", REGISTRY.keySet()) + ")");
    }
    throw new BadInputException("unknown regularizer '" + name + "' (have: " + String.join(", ", REGISTRY.keySet())
        + ")");
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }
}
