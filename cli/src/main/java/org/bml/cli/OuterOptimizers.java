package org.bml.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.model.ParamNames;
import org.bml.core.optim.MetaOptimizer;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * {@code --outer-optimizer SPEC}: the outer (meta-parameter) updater, for all parameters or per
 * parameter group. SPEC is a comma-separated list of entries, each {@code KIND} (every
 * parameter) or {@code PREFIX=KIND} (the parameters whose name starts with PREFIX, e.g.
 * {@code encoder}, {@code decoder}, {@code layer2}, {@code mr-w.logStd}); a parameter takes the
 * first entry that matches it. Every parameter must be matched and every entry must match one.
 * Kinds, both at {@code --outer-lr} with {@code --lr-schedule}:
 *
 * <ul>
 *   <li>{@code adam}: Adam (β1 0.9, β2 0.999, ε 1e-8);</li>
 *   <li>{@code sign}: sign descent, lr·g/(|g| + 1e-7) ({@link MetaOptimizer#signDescent}, Adam with
 *       β1 = β2 = 0): the update of a freshly created Adam, which is what the MR-MAML authors'
 *       sinusoid notebook (Yin et al. 2020) applies every meta-iteration to MR-MAML(W)'s whole model
 *       and to MR-MAML(A)'s encoder.</li>
 * </ul>
 *
 * {@code auto} (the default) is the authors' notebook choice where bml builds the notebook's
 * network — regression with {@code --method maml} or {@code fomaml}: {@code sign} for
 * {@code mr-w}, {@code encoder=sign,decoder=adam} for {@code mr-a} — and {@code adam} otherwise.
 * The resolved SPEC is what a checkpoint records; a resumed run keeps it.
 */
final class OuterOptimizers {
  static final String AUTO = "auto";
  static final List<String> KINDS = List.of("adam", "sign");

  /** One entry: a name prefix (null: every parameter) and a kind. */
  record Entry(String prefix, String kind) {}

  private OuterOptimizers() {}

  /** The concrete SPEC for {@code auto} (see the class comment); any other SPEC unchanged. */
  static String resolve(String spec, String method, String regularizer, boolean regression) {
    if (!AUTO.equals(spec)) {
      return spec;
    }
    boolean notebookNetwork = regression && (method.equals("maml") || method.equals("fomaml"));
    if (notebookNetwork && regularizer.equals("mr-w")) {
      return "sign";
    }
    if (notebookNetwork && regularizer.equals("mr-a")) {
      return "encoder=sign,decoder=adam";
    }
    return "adam";
  }

  /** Parses SPEC, naming the bad entry; {@code auto} must have been resolved. */
  static List<Entry> parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new BadInputException("--outer-optimizer is empty; give adam, sign, auto or PREFIX=KIND,...");
    }
    List<Entry> out = new ArrayList<>();
    for (String raw : spec.split(",", -1)) {
      String e = raw.strip();
      int eq = e.indexOf('=');
      String prefix = eq < 0 ? null : e.substring(0, eq).strip();
      String kind = eq < 0 ? e : e.substring(eq + 1).strip();
      if (prefix != null && prefix.isEmpty()) {
        throw new BadInputException("--outer-optimizer '" + spec + "': entry '" + e + "' has an empty PREFIX");
      }
      if (!KINDS.contains(kind)) {
        throw new BadInputException("--outer-optimizer '" + spec + "': unknown kind '" + kind + "' in entry '" + e
            + "' (have: " + String.join(", ", KINDS) + (spec.strip().equals(kind) ? ", auto" : "")
            + "; per group: PREFIX=KIND,...)");
      }
      out.add(new Entry(prefix, kind));
    }
    return out;
  }

  /**
   * SPEC with every PREFIX in the current parameter naming ({@link ParamNames#fromLegacy}): what a
   * checkpoint of configuration layout 1 or 2 recorded, read by this build. SPEC itself when no
   * prefix changes.
   */
  static String fromLegacy(String spec) {
    List<String> out = new ArrayList<>();
    boolean changed = false;
    for (String raw : spec.split(",", -1)) {
      int eq = raw.indexOf('=');
      String prefix = eq < 0 ? null : raw.substring(0, eq).strip();
      String mapped = prefix == null || !ParamNames.isLegacy(prefix) ? raw
          : ParamNames.fromLegacy(prefix) + raw.substring(eq);
      changed |= !mapped.equals(raw);
      out.add(mapped);
    }
    return changed ? String.join(",", out) : spec;
  }

  /**
   * Each parameter's updater under SPEC.
   *
   * @param schedule the learning-rate schedule, or null for a constant {@code lr}
   */
  static Map<String, IUpdater> updaters(String spec, List<String> names, double lr, ISchedule schedule) {
    List<Entry> entries = parse(spec);
    Map<String, IUpdater> byKind = new LinkedHashMap<>();
    for (String k : KINDS) {
      byKind.put(k, create(k, lr, schedule));
    }
    boolean[] used = new boolean[entries.size()];
    Map<String, IUpdater> out = new LinkedHashMap<>();
    List<String> unmatched = new ArrayList<>();
    for (String n : names) {
      int match = -1;
      for (int i = 0; i < entries.size() && match < 0; i++) {
        String p = entries.get(i).prefix();
        if (p == null || n.startsWith(p)) {
          match = i;
        }
      }
      if (match < 0) {
        unmatched.add(n);
      } else {
        used[match] = true;
        out.put(n, byKind.get(entries.get(match).kind()));
      }
    }
    if (!unmatched.isEmpty()) {
      throw new BadInputException("--outer-optimizer '" + spec + "' gives no updater to " + unmatched
          + "; end it with a KIND for the rest (parameters: " + names + ")");
    }
    for (int i = 0; i < entries.size(); i++) {
      if (!used[i]) {
        Entry e = entries.get(i);
        throw new BadInputException("--outer-optimizer '" + spec + "': entry '"
            + (e.prefix() == null ? e.kind() : e.prefix() + "=" + e.kind()) + "' matches no parameter"
            + (e.prefix() == null ? " (an earlier entry takes all)" : "") + " (parameters: " + names + ")");
      }
    }
    return out;
  }

  private static IUpdater create(String kind, double lr, ISchedule schedule) {
    return switch (kind) {
      case "adam" -> schedule == null ? new Adam(lr) : new Adam(schedule);
      case "sign" -> schedule == null ? MetaOptimizer.signDescent(lr) : MetaOptimizer.signDescent(schedule);
      default -> throw new IllegalStateException("unhandled kind " + kind);
    };
  }
}
