package org.bml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The batch-norm policy of Conv-4: which predictions may depend on the other query points. */
class Conv4BatchNormTest {
  private static final int SIDE = 16;

  private static INDArray images(long seed, int n) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] v = new double[n * SIDE * SIDE];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextDouble();
    }
    return Nd4j.create(v, new long[] {1, n, 1, SIDE, SIDE}, DataType.DOUBLE);
  }

  // The output for query point 0 when predicted together with `others` (all in one task).
  private static double[] firstOutput(Conv4 model, Params p, INDArray first, INDArray others) {
    INDArray x = Nd4j.concat(1, first, others);
    try (GradMode.Scope ng = GradMode.noGrad()) {
      return model.forward(p, Tensor.constant(x)).value().get(NDArrayIndex.point(0), NDArrayIndex.point(0),
          NDArrayIndex.all()).toDoubleVector();
    }
  }

  @Test
  void perExampleStatisticsMakeAQueryPointsPredictionIndependentOfTheOthers() {
    Conv4 model = new Conv4(1, 8, SIDE, 5, Conv4.BatchNorm.PER_EXAMPLE);
    Params p = model.init(3, DataType.DOUBLE);
    INDArray first = images(1, 1);
    double[] a = firstOutput(model, p, first, images(2, 4));
    double[] b = firstOutput(model, p, first, images(3, 9));
    double[] alone;
    try (GradMode.Scope ng = GradMode.noGrad()) {
      alone = model.forward(p, Tensor.constant(first)).value().reshape(5).toDoubleVector();
    }
    for (int c = 0; c < 5; c++) {
      // float64: only summation order differs between batch sizes
      assertEquals(a[c], b[c], 1e-12, "class " + c);
      assertEquals(a[c], alone[c], 1e-12, "class " + c);
    }
  }

  @Test
  void transductiveStatisticsDoDependOnTheOtherQueryPoints() {
    // The control: the test above could not fail if the other points never mattered.
    Conv4 model = new Conv4(1, 8, SIDE, 5);
    assertEquals(Conv4.BatchNorm.TRANSDUCTIVE, model.batchNorm());
    Params p = model.init(3, DataType.DOUBLE);
    INDArray first = images(1, 1);
    double[] a = firstOutput(model, p, first, images(2, 4));
    double[] b = firstOutput(model, p, first, images(3, 9));
    double diff = 0;
    for (int c = 0; c < 5; c++) {
      diff = Math.max(diff, Math.abs(a[c] - b[c]));
    }
    assertTrue(diff > 1e-6, "transductive outputs changed by only " + diff);
  }

  @Test
  void aPolicyMustBeGiven() {
    assertThrows(IllegalArgumentException.class, () -> new Conv4(1, 8, SIDE, 5, null));
  }
}
