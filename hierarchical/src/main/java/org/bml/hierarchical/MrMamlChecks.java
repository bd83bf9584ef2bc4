package org.bml.hierarchical;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bml.core.model.Model;

/** Argument checks of the MR-MAML meta-learners: each failure names the offending value. */
final class MrMamlChecks {
  private MrMamlChecks() {}

  static <T> T nonNull(String owner, String what, T value) {
    if (value == null) {
      throw new IllegalArgumentException(owner + ": " + what + " must be given, got null");
    }
    return value;
  }

  /** Non-empty, duplicate-free names that all belong to the model. */
  static List<String> parameterNames(String owner, String what, Model model, Collection<String> names) {
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

  static int positive(String owner, String what, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(owner + ": " + what + " must be positive, got " + value);
    }
    return value;
  }
}
