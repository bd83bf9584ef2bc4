package org.bml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The models' layer tap and Conv4's image size (the parameter names: {@link ParamNamesTest}). */
class LayerTapTest {
  @Test
  void mlpTapSeesEveryLayerAndChangesNoBit() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 5, 3, 1);
    assertEquals(Activation.TANH, mlp.activation());
    Params p = mlp.init(3, DataType.DOUBLE);
    Tensor x = Tensor.constant(GradientCheck.uniform(4, -1, 1, 2, 6, 2));
    List<String> seen = new ArrayList<>();
    Tensor tapped = mlp.forward(p, x, new LayerTap() {
      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {
        seen.add(index + ":" + input.size(2) + "->" + preActivation.size(2));
      }
    });
    assertEquals(List.of("0:2->5", "1:5->3", "2:3->1"), seen);
    assertArrayEquals(mlp.forward(p, x).value().data().asDouble(), tapped.value().data().asDouble());
  }

  @ParameterizedTest
  @EnumSource(Conv4.BatchNorm.class)
  void conv4TapSeesEveryLayerAndMatchesTheForwardPass(Conv4.BatchNorm bn) {
    Conv4 conv = new Conv4(1, 3, 17, 4, bn);
    assertEquals(17, conv.imageSize());
    assertEquals(1, conv.channels());
    assertEquals(3, conv.filters());
    assertEquals(4, conv.outputs());
    Params p = conv.init(7, DataType.DOUBLE);
    Tensor x = Tensor.constant(GradientCheck.uniform(11, -1, 1, 2, 3, 1, 17, 17));
    List<String> seen = new ArrayList<>();
    Tensor tapped = conv.forward(p, x, new LayerTap() {
      @Override
      public void conv(int index, Tensor input, Tensor output) {
        seen.add("conv" + index);
      }

      @Override
      public void scaleShift(int index, Tensor normalized, Tensor output) {
        seen.add("bn" + index);
        assertArrayEquals(normalized.shape(), output.shape());
      }

      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {
        seen.add("head" + index);
        assertEquals(conv.embeddingSize(), input.size(2));
      }
    });
    assertEquals(List.of("conv0", "bn0", "conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "head0"), seen);
    double diff = conv.forward(p, x).value().sub(tapped.value()).amax().getDouble(0);
    assertTrue(diff <= 1e-12, "tapped vs fused batch-norm: " + diff);
    assertThrows(NullPointerException.class, () -> conv.forward(p, x, null));
  }
}
