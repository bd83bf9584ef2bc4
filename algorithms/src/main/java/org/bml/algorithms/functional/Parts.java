package org.bml.algorithms.functional;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/** Named sub-collections of meta-parameters (a network's weights under a prefix). */
final class Parts {
  private Parts() {}

  /** The parameters named {@code prefix + name}, renamed to {@code name}. */
  static Params part(Params p, String prefix) {
    List<String> names = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    for (String n : p.names()) {
      if (n.startsWith(prefix)) {
        names.add(n.substring(prefix.length()));
        values.add(p.get(n));
      }
    }
    return Params.of(names, values);
  }
}
