package org.bml.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A model whose parameter names carry a prefix ({@code prefix + name}), so that several models
 * (an embedding and a relation module, say) can share one meta-parameter collection without name
 * clashes. Forward reads only its own prefixed parameters and ignores the rest.
 */
public final class Prefixed implements Model {
  private final String prefix;
  private final Model inner;

  /** @param prefix non-empty, e.g. {@code "relation."} */
  public Prefixed(String prefix, Model inner) {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("Prefixed: the prefix must be a non-empty string, got "
          + (prefix == null ? "null" : "''"));
    }
    if (inner == null) {
      throw new IllegalArgumentException("Prefixed: the inner model must be given");
    }
    this.prefix = prefix;
    this.inner = inner;
  }

  public String prefix() {
    return prefix;
  }

  public Model inner() {
    return inner;
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
    inner.parameterShapes().forEach((n, s) -> out.put(prefix + n, s));
    return out;
  }

  @Override
  public Params init(long seed, DataType dtype) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : inner.init(seed, dtype).entries()) {
      m.put(prefix + e.getKey(), e.getValue());
    }
    return Params.of(m);
  }

  /** The inner model's parameters, prefix removed (every prefixed name must be present). */
  public Params unprefixed(Params params) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (String n : inner.parameterShapes().keySet()) {
      m.put(n, params.get(prefix + n));
    }
    return Params.of(m);
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return inner.forward(unprefixed(params), x);
  }

  @Override
  public boolean isPerTask(String name, Tensor value) {
    if (!name.startsWith(prefix)) {
      throw new IllegalArgumentException("model has no parameter '" + name + "'");
    }
    return inner.isPerTask(name.substring(prefix.length()), value);
  }
}
