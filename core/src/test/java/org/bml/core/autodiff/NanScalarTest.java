package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A NaN scalar propagates (ND4J's own scalar ops silently replace it by 1e-5, which would turn a
 * diverged step size or loss weight into a tiny finite one).
 */
class NanScalarTest {
  private static void allNaN(Tensor t, String what) {
    double[] v = t.value().dup().data().asDouble();
    for (double d : v) {
      assertTrue(Double.isNaN(d), what + " gave " + d);
    }
  }

  @Test
  void scalarOpsWithANaNScalarGiveNaN() {
    for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      Tensor x = Tensor.variable(Nd4j.createFromArray(new double[] {1, -2, 3}).castTo(dtype));
      allNaN(Ops.mulScalar(x, Double.NaN), dtype + " x * NaN");
      allNaN(Ops.addScalar(x, Double.NaN), dtype + " x + NaN");
      allNaN(Ops.addScaled(x, x, Double.NaN), dtype + " x + NaN * x");
      allNaN(Autodiff.grad(Ops.sum(Ops.mulScalar(x, Double.NaN), false), x, false), dtype + " d(NaN x)/dx");
    }
  }
}
