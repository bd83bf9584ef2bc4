package org.bml.inference.contract;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.inference.variational.AmortizedGaussian;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** {@link InferenceStrategyContract} for the amortized Gaussian (mean by gradient steps, fixed log σ = −1). */
class AmortizedGaussianContractTest extends InferenceStrategyContract {
  @Override
  protected InferenceStrategy strategy() {
    LinkedHashMap<String, Tensor> logStd = new LinkedHashMap<>();
    MODEL.parameterShapes().forEach((n, s) -> logStd.put(n, Tensor.constant(Nd4j.valueArrayOf(s, -1.0, DataType.DOUBLE))));
    return new AmortizedGaussian(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND), Params.of(logStd));
  }
}
