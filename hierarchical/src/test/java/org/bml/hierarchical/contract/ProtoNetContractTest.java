package org.bml.hierarchical.contract;

import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.ProtoNet;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link MetaLearnerContract} for Prototypical Networks (2-way, 2-d inputs, a 2-4-3 embedding). */
class ProtoNetContractTest extends MetaLearnerContract {
  private static final int WAYS = 2;

  @Override
  protected MetaLearner learner() {
    return new ProtoNet(new Mlp(Activation.TANH, 2, 4, 3));
  }

  @Override
  protected Data support() {
    return classes(31, 4);
  }

  @Override
  protected Data query() {
    return classes(33, 3);
  }

  private static Data classes(long seed, int perClass) {
    int n = WAYS * perClass;
    INDArray y = Nd4j.zeros(DataType.DOUBLE, TASKS, n, WAYS);
    for (int t = 0; t < TASKS; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new long[] {t, i, i % WAYS}, 1.0);
      }
    }
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1.5, 1.5, TASKS, n, 2)), Tensor.constant(y));
  }
}
