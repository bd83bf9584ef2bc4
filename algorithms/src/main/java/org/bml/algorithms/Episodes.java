package org.bml.algorithms;

import org.bml.core.autodiff.Tensor;
import org.bml.datasets.TaskBatch;
import org.bml.inference.Data;

/** Conversions from the datasets' meta-batches to the inference layer's constants. */
public final class Episodes {
  private Episodes() {}

  public static Data support(TaskBatch b) {
    return new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
  }

  public static Data query(TaskBatch b) {
    return new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()));
  }
}
