package org.bml.hierarchical.contract;

import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Balanced few-shot classification episodes for the metric learners' contracts: 2-d inputs, one-hot labels. */
final class ClassificationData {
  static final int WAYS = 2;

  private ClassificationData() {}

  static Data classes(long seed, int tasks, int perClass) {
    int n = WAYS * perClass;
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, WAYS);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new long[] {t, i, i % WAYS}, 1.0);
      }
    }
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, 2)), Tensor.constant(y));
  }
}
