package org.bml.hierarchical.contract;

import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link MetaLearnerContract} on balanced few-shot classification episodes for the metric learners:
 * 2 ways, 2-d inputs, one-hot labels (4 support and 3 query points per class).
 */
abstract class ClassificationContract extends MetaLearnerContract {
  static final int WAYS = 2;

  @Override
  protected Data support() {
    return classes(31, TASKS, 4);
  }

  @Override
  protected Data query() {
    return classes(33, TASKS, 3);
  }

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
