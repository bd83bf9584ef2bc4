package org.bml.inference.laplace;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A K-FAC adapter's base: a view of a model, whose parameters, initialisation and (untapped)
 * forward pass are the model's own; a subclass adds only the layer structure and the tap.
 */
abstract class ModelView implements Model {
  private final Model model;

  ModelView(Model model) {
    this.model = model;
  }

  @Override
  public final LinkedHashMap<String, long[]> parameterShapes() {
    return model.parameterShapes();
  }

  @Override
  public final Params init(long seed, DataType dtype) {
    return model.init(seed, dtype);
  }

  @Override
  public final Tensor forward(Params params, Tensor x) {
    return model.forward(params, x);
  }
}
