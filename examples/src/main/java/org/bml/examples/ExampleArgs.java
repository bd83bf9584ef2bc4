package org.bml.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The examples' {@code name=value} arguments, e.g. {@code iterations=300 tasks=100}; unknown names are refused. */
public final class ExampleArgs {
  private final Map<String, String> values = new HashMap<>();

  private ExampleArgs(String[] args, Set<String> known) {
    for (String a : args) {
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      if (eq < 0 || !known.contains(name)) {
        throw new IllegalArgumentException("bad argument '" + a + "': expected name=value with name one of "
            + known.stream().sorted().toList());
      }
      values.put(name, a.substring(eq + 1));
    }
  }

  /** Parses {@code args}, accepting only the given names. */
  public static ExampleArgs parse(String[] args, String... names) {
    return new ExampleArgs(args, Set.of(names));
  }

  /** The positive integer {@code name}, or {@code fallback} when not given. */
  public int positive(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a positive integer, got '" + v + "'");
  }
}
