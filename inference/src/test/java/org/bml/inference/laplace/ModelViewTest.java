package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The K-FAC adapters are views of the model: its image size, activation and tapped forward pass, for either batch-norm policy. */
class ModelViewTest {
  @Test
  void conv4ViewTakesTheModelsImageSizeAndTapForBothBatchNormPolicies() {
    for (Conv4.BatchNorm bn : Conv4.BatchNorm.values()) {
      Conv4 conv = new Conv4(1, 3, 19, 4, bn);
      ConvNetwork.Conv4Network net = (ConvNetwork.Conv4Network) ConvNetwork.conv4(conv);
      assertEquals(19, net.imageSize());
      assertSame(conv, net.conv4());
      Params p = net.init(2, DataType.DOUBLE);
      Tensor x = Tensor.constant(GradientCheck.uniform(3, -1, 1, 2, 3, 1, 19, 19));
      List<Integer> layers = new ArrayList<>();
      Tensor tapped = net.forward(p, x, new ConvNetwork.Tap() {
        @Override
        public void conv(int index, Tensor input, Tensor output) {
          layers.add(index);
        }

        @Override
        public void scaleShift(int index, Tensor normalized, Tensor output) {}

        @Override
        public void dense(int index, Tensor input, Tensor preActivation) {
          layers.add(10 + index);
        }
      });
      assertEquals(List.of(0, 1, 2, 3, 10), layers, bn.toString());
      double diff = net.forward(p, x).value().sub(tapped.value()).amax().getDouble(0);
      assertTrue(diff <= 1e-12, bn + ": " + diff);
    }
  }

  @Test
  void mlpViewTakesTheModelsActivation() {
    Mlp mlp = new Mlp(Activation.RELU, 2, 3, 1);
    assertEquals(Activation.RELU, ((DenseNetwork.MlpNetwork) DenseNetwork.mlp(mlp)).activation());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DenseNetwork.mlp(mlp, Activation.TANH));
    assertTrue(e.getMessage().contains("TANH") && e.getMessage().contains("RELU"), e.getMessage());
    // One layer applies no activation, so any stated one describes it.
    Mlp linear = new Mlp(Activation.TANH, 2, 1);
    assertEquals(1, DenseNetwork.mlp(linear, Activation.IDENTITY).denseLayers().size());
  }
}
