package org.bml.inference.contract;

import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.TruncatedGradientDescent;

/** {@link InferenceStrategyContract} for truncated gradient descent (MAML's inner loop, second order). */
class TruncatedGradientDescentContractTest extends InferenceStrategyContract {
  @Override
  protected InferenceStrategy strategy() {
    return new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND);
  }
}
