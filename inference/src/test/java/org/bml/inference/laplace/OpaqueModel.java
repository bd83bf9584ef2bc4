package org.bml.inference.laplace;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/** Test fixture: the wrapped model's computation behind a type K-FAC knows as neither dense nor convolutional. */
final class OpaqueModel implements Model {
  private final Model inner;

  OpaqueModel(Model inner) {
    this.inner = inner;
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return inner.parameterShapes();
  }

  @Override
  public Params init(long seed, DataType dtype) {
    return inner.init(seed, dtype);
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return inner.forward(params, x);
  }
}
