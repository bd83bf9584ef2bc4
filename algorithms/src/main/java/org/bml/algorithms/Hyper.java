package org.bml.algorithms;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bml.core.model.Model;

/**
 * Hyperparameter checks shared by the meta-learners (here and in the modules built on them): each
 * failure names the offending value.
 */
public final class Hyper {
  private Hyper() {}

  public static <T> T nonNull(String owner, String what, T value) {
    if (value == null) {
      throw new IllegalArgumentException(owner + ": " + what + " must be given, got null");
    }
    return value;
  }

  /** A finite, strictly positive real. */
  public static double positive(String owner, String what, double value) {
    if (!(value > 0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(owner + ": " + what + " must be finite and > 0, got " + value);
    }
    return value;
  }

  /** A strictly positive count (e.g. the number of hypotheses k). */
  public static int positiveCount(String owner, String what, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(owner + ": " + what + " must be positive, got " + value);
    }
    return value;
  }

  public static int atLeast(String owner, String what, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(owner + ": " + what + " must be >= " + min + ", got " + value);
    }
    return value;
  }

  /** Non-empty, duplicate-free names that all belong to the model. */
  public static List<String> parameterNames(String owner, String what, Model model, Collection<String> names) {
    nonNull(owner, what, names);
    if (names.isEmpty()) {
      throw new IllegalArgumentException(owner + ": " + what + " must name at least one parameter, got none");
    }
    Set<String> known = model.parameterShapes().keySet();
    Set<String> seen = new LinkedHashSet<>();
    for (String n : names) {
      if (!known.contains(n)) {
        throw new IllegalArgumentException(owner + ": " + what + " '" + n + "' is not a parameter of the model (has "
            + known + ")");
      }
      if (!seen.add(n)) {
        throw new IllegalArgumentException(owner + ": " + what + " '" + n + "' is given twice");
      }
    }
    return List.copyOf(seen);
  }

  /** The model must not already use a name the method reserves for its own tensors. */
  public static void reserved(String owner, Model model, String... names) {
    for (String n : names) {
      if (model.parameterShapes().containsKey(n)) {
        throw new IllegalArgumentException(owner + ": the model has a parameter named '" + n
            + "', which this method reserves for its adapted tensors");
      }
    }
  }
}
