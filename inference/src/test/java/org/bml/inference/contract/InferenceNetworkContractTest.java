package org.bml.inference.contract;

import org.bml.core.model.Params;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.variational.InferenceNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link InferenceStrategyContract} for the set-encoder inference network (every parameter amortized; θ = the model's values and the network's weights). */
class InferenceNetworkContractTest extends InferenceStrategyContract {
  private static final InferenceNetwork NET = InferenceNetwork.deepSets(MODEL, null, 2, 4, 3, -1.0);

  @Override
  protected InferenceStrategy strategy() {
    return NET;
  }

  @Override
  protected Params theta() {
    return MODEL.init(5, DataType.DOUBLE).withAll(NET.initialize(6, DataType.DOUBLE));
  }
}
