package org.bml.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;

/**
 * An immutable, ordered, named collection of parameter tensors. Every transformation returns a
 * new collection; the tensors themselves are immutable too, so "adapted parameters" are simply
 * new values.
 */
public final class Params {
  private final Map<String, Tensor> tensors;

  private Params(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** Names and tensors in the given order. */
  public static Params of(Map<String, Tensor> tensors) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("Params: no tensors given");
    }
    return new Params(new LinkedHashMap<>(tensors));
  }

  public static Params of(List<String> names, List<Tensor> values) {
    if (names.size() != values.size()) {
      throw new IllegalArgumentException("Params: " + names.size() + " names but " + values.size() + " tensors");
    }
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      if (m.put(names.get(i), values.get(i)) != null) {
        throw new IllegalArgumentException("Params: duplicate name '" + names.get(i) + "'");
      }
    }
    return of(m);
  }

  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("Params: no parameter '" + name + "' (have " + tensors.keySet() + ")");
    }
    return t;
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  public List<String> names() {
    return new ArrayList<>(tensors.keySet());
  }

  public Set<Map.Entry<String, Tensor>> entries() {
    return tensors.entrySet();
  }

  public List<Tensor> tensors() {
    return new ArrayList<>(tensors.values());
  }

  public int size() {
    return tensors.size();
  }

  /** Total number of scalar parameters. */
  public long numel() {
    return tensors.values().stream().mapToLong(Tensor::length).sum();
  }

  public Params map(UnaryOperator<Tensor> f) {
    return mapNamed((n, t) -> f.apply(t));
  }

  public Params mapNamed(BiFunction<String, Tensor, Tensor> f) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    tensors.forEach((n, t) -> m.put(n, f.apply(n, t)));
    return new Params(m);
  }

  /** Combines two collections with the same names name by name. */
  public Params zip(Params other, BinaryOperator<Tensor> f) {
    requireSameNames(other);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    tensors.forEach((n, t) -> m.put(n, f.apply(t, other.get(n))));
    return new Params(m);
  }

  /** A copy with one tensor replaced or added. */
  public Params with(String name, Tensor t) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>(tensors);
    m.put(name, t);
    return new Params(m);
  }

  /** A copy whose tensors named in {@code other} are replaced by other's. */
  public Params withAll(Params other) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>(tensors);
    other.tensors.forEach(m::put);
    return new Params(m);
  }

  /** The named subset, in this collection's order. */
  public Params subset(Collection<String> names) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (String n : names) {
      m.put(n, get(n));
    }
    LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
    tensors.forEach((n, t) -> {
      if (m.containsKey(n)) {
        ordered.put(n, t);
      }
    });
    return of(ordered);
  }

  /** Each value as a fresh leaf variable: the roots for a new differentiation. */
  public Params asVariables() {
    return mapNamed((n, t) -> Tensor.variable(t.value(), n));
  }

  /** Each tensor cut out of the graph. */
  public Params detach() {
    return map(Tensor::detach);
  }

  /** Each tensor repeated along a new leading task axis of size n (meta-parameters → per task). */
  public Params expand(long n) {
    return map(t -> Ops.expand(t, n));
  }

  public void requireSameNames(Params other) {
    if (!tensors.keySet().equals(other.tensors.keySet())) {
      throw new IllegalArgumentException("Params: names differ: " + tensors.keySet() + " vs " + other.tensors.keySet());
    }
  }

  /** Throws unless other has the same names and shapes. */
  public void requireSameStructure(Params other) {
    requireSameNames(other);
    tensors.forEach((n, t) -> {
      if (!Arrays.equals(t.shape(), other.get(n).shape())) {
        throw new IllegalArgumentException("Params: '" + n + "' has shape " + Arrays.toString(t.shape())
            + " here but " + Arrays.toString(other.get(n).shape()) + " there");
      }
    });
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Params{");
    tensors.forEach((n, t) -> b.append(b.length() > 7 ? ", " : "").append(n).append(Arrays.toString(t.shape())));
    return b.append('}').toString();
  }
}
