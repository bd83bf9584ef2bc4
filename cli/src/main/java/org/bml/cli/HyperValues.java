package org.bml.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A method's own hyperparameters ({@code --hp name=value}), checked against the names the method
 * declares ({@link Methods.Hyper}); unset names take the declared default. Getters parse on use
 * and name the hyperparameter in their errors.
 */
public final class HyperValues {
  private final String method;
  private final Map<String, String> values;

  private HyperValues(String method, Map<String, String> values) {
    this.method = method;
    this.values = values;
  }

  /** Declared defaults overridden by {@code given}; an undeclared name is an error listing the declared ones. */
  static HyperValues resolve(String method, List<Methods.Hyper> declared, Map<String, String> given) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Methods.Hyper h : declared) {
      if (v.put(h.name(), h.defaultValue()) != null) {
        throw new IllegalStateException(method + " declares hyperparameter '" + h.name() + "' twice");
      }
    }
    for (Map.Entry<String, String> e : given.entrySet()) {
      if (!v.containsKey(e.getKey())) {
        throw new BadInputException("method " + method + " has no hyperparameter '" + e.getKey() + "' (--hp "
            + (declared.isEmpty() ? "takes nothing for this method" : "accepts: " + String.join(", ", v.keySet())) + ")");
      }
      v.put(e.getKey(), e.getValue().strip());
    }
    return new HyperValues(method, Collections.unmodifiableMap(v));
  }

  /** All values, defaults included, in declaration order. */
  public Map<String, String> asMap() {
    return values;
  }

  public String string(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalStateException("method " + method + " reads undeclared hyperparameter '" + name + "'");
    }
    return v;
  }

  /** A finite real; {@code inf} is accepted only where {@code allowInfinity}. */
  public double real(String name, boolean allowInfinity) {
    String s = string(name);
    double v;
    if (allowInfinity && (s.equalsIgnoreCase("inf") || s.equalsIgnoreCase("infinity"))) {
      return Double.POSITIVE_INFINITY;
    }
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new BadInputException("--hp " + name + "=" + s + ": not a number (method " + method + ")");
    }
    if (!Double.isFinite(v)) {
      throw new BadInputException("--hp " + name + "=" + s + ": must be finite (method " + method + ")");
    }
    return v;
  }

  /** A finite real > 0 (or +∞ where allowed). */
  public double positive(String name, boolean allowInfinity) {
    double v = real(name, allowInfinity);
    if (!(v > 0)) {
      throw new BadInputException("--hp " + name + "=" + string(name) + ": must be > 0 (method " + method + ")");
    }
    return v;
  }

  /** A finite real ≥ 0. */
  public double nonNegative(String name) {
    double v = real(name, false);
    if (!(v >= 0)) {
      throw new BadInputException("--hp " + name + "=" + string(name) + ": must be >= 0 (method " + method + ")");
    }
    return v;
  }

  /** Whether the value is the word {@code auto} (a default derived from the run's settings). */
  public boolean isAuto(String name) {
    return "auto".equals(string(name));
  }

  public int integer(String name, int min) {
    String s = string(name);
    int v;
    try {
      v = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new BadInputException("--hp " + name + "=" + s + ": not an integer (method " + method + ")");
    }
    if (v < min) {
      throw new BadInputException("--hp " + name + "=" + s + ": must be >= " + min + " (method " + method + ")");
    }
    return v;
  }

  public boolean bool(String name) {
    String s = string(name);
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new BadInputException("--hp " + name + "=" + s + ": expected true or false (method " + method + ")");
  }

  /** One of the given words. */
  public String choice(String name, String... allowed) {
    String s = string(name);
    for (String a : allowed) {
      if (a.equals(s)) {
        return s;
      }
    }
    throw new BadInputException("--hp " + name + "=" + s + ": expected one of " + String.join(", ", allowed)
        + " (method " + method + ")");
  }
}
