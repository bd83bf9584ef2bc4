package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.bml.core.check.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Exact, hand-computed gradients where finite differences cannot judge (kinks, ties) and graph
 * semantics that PyTorch's autograd.grad defines: accumulation, intermediates as wrt, several
 * outputs, deep graphs.
 */
class AutodiffSemanticsTest {

  private static double[] grad(Tensor y, Tensor x) {
    return Autodiff.grad(y, x, false).value().dup().data().asDouble();
  }

  @Test
  void maxSplitsTheGradientEquallyAmongTies() {
    Tensor x = Tensor.variable(Nd4j.createFromArray(new double[][] {{1, 3, 3}, {2, 0, -1}}));
    assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 0, 0}, grad(Ops.sum(Ops.max(x, false, 1), false), x), 0.0);
    // over all axes: one maximum pair
    assertArrayEquals(new double[] {0, 0.5, 0.5, 0, 0, 0}, grad(Ops.max(x, false), x), 0.0);
  }

  @Test
  void maxPoolRoutesToTheMaximumOfEachWindowAndIgnoresDroppedRows() {
    // 3x3 input: the last row and column are dropped; one 2x2 window with a tie between 5s,
    // which routes to the first of them.
    Tensor x = Tensor.variable(Nd4j.createFromArray(new double[] {5, 1, 9, 5, 2, 9, 9, 9, 9}).reshape(1, 1, 3, 3));
    Tensor y = Ops.maxPool2x2(x);
    assertArrayEquals(new long[] {1, 1, 1, 1}, y.shape());
    assertEquals(5.0, y.item(), 0.0);
    assertArrayEquals(new double[] {1, 0, 0, 0, 0, 0, 0, 0, 0}, grad(Ops.sum(y, false), x), 0.0);
  }

  @Test
  void floatLogSoftmaxStaysFiniteForLargeLogitGaps() {
    // ND4J's native float log_softmax gives −∞ here (log of an underflowed softmax).
    Tensor x = Tensor.constant(Nd4j.createFromArray(new float[] {0, -50, -120, -200}));
    assertArrayEquals(new double[] {0, -50, -120, -200}, Ops.logSoftmax(x, 0).value().toDoubleVector(), 1e-4);
  }

  @Test
  void convolutionAcceptsPerTaskWeightsThatAreStridedViews() {
    // Per-task weights sliced out of a wider array have non-dense strides ([148, 18, 9, 3, 1]);
    // ND4J mis-slices such views per task, so Conv must not rely on it.
    INDArray wide = GradientCheck.uniform(5, -1, 1, 2, 148);
    INDArray w = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 36)).reshape(2, 2, 2, 3, 3);
    Tensor x = Tensor.constant(GradientCheck.uniform(6, -1, 1, 2, 3, 2, 4, 4));
    INDArray viaView = Ops.conv2d(x, Tensor.constant(w), 1, 1).value();
    INDArray viaCopy = Ops.conv2d(x, Tensor.constant(w.dup('c')), 1, 1).value();
    assertArrayEquals(viaCopy.reshape(-1).toDoubleVector(), viaView.reshape(-1).toDoubleVector(), 0.0);
  }

  @Test
  void reluHasZeroGradientAtZero() {
    Tensor x = Tensor.variable(Nd4j.createFromArray(-1.0, 0.0, 2.0));
    assertArrayEquals(new double[] {0, 0, 1}, grad(Ops.sum(Ops.relu(x), false), x), 0.0);
  }

  @Test
  void gatherAccumulatesOverRepeatedIndices() {
    Tensor x = Tensor.variable(GradientCheck.uniform(1, -1, 1, 4, 2));
    Tensor y = Ops.sum(Ops.gather(x, 0, new int[] {3, 1, 3, 3}), false);
    assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 3, 3}, grad(y, x), 0.0);
  }

  @Test
  void aTensorUsedSeveralTimesAccumulates() {
    Tensor x = Tensor.variable(Nd4j.createFromArray(2.0));
    // x + x·x + x = 2x + x²: derivative 2 + 2x = 6
    Tensor y = Ops.add(Ops.add(x, Ops.mul(x, x)), x);
    assertEquals(6.0, Autodiff.grad(y, x, false).item(), 0.0);
  }

  @Test
  void gradientWithRespectToAnIntermediate() {
    Tensor x = Tensor.variable(GradientCheck.uniform(2, -1, 1, 3));
    Tensor h = Ops.exp(x);
    Tensor y = Ops.sum(Ops.square(h), false);
    List<Tensor> g = Autodiff.grad(List.of(y), null, List.of(h, x), false, false);
    INDArray hv = h.value();
    assertTrue(g.get(0).value().equalsWithEps(hv.mul(2), 1e-15), "dy/dh = 2h");
    assertTrue(g.get(1).value().equalsWithEps(hv.mul(hv).mul(2), 1e-14), "dy/dx = 2h·h");
  }

  @Test
  void severalOutputsSumTheirVectorJacobianProducts() {
    Tensor x = Tensor.variable(GradientCheck.uniform(3, -1, 1, 2, 3));
    Tensor y1 = Ops.mulScalar(x, 3.0);
    Tensor y2 = Ops.sum(Ops.square(x), false);
    INDArray u = GradientCheck.uniform(4, -1, 1, 2, 3);
    Tensor g = Autodiff.grad(List.of(y1, y2), Arrays.asList(Tensor.constant(u), null), List.of(x), false, false).get(0);
    assertTrue(g.value().equalsWithEps(u.mul(3).add(x.value().mul(2)), 1e-15));
  }

  @Test
  void deepGraphsDoNotOverflowTheStack() {
    // An unrolled loop of 20 000 steps: a recursive topological sort would overflow here.
    Tensor x = Tensor.variable(Nd4j.createFromArray(0.5));
    Tensor y = x;
    for (int i = 0; i < 20_000; i++) {
      y = Ops.addScalar(y, 1e-4);
    }
    assertEquals(0.5 + 20_000 * 1e-4, y.item(), 1e-12);
    assertEquals(2.0, Autodiff.grad(Ops.mulScalar(y, 2.0), x, false).item(), 0.0);
  }

  @Test
  void sliceAndConcatGradientsAreExactPlacements() {
    Tensor a = Tensor.variable(Nd4j.zeros(DataType.DOUBLE, 2, 2));
    Tensor b = Tensor.variable(Nd4j.zeros(DataType.DOUBLE, 2, 1));
    Tensor c = Ops.concat(1, List.of(a, b)); // [2, 3]
    Tensor s = Ops.slice(c, 1, 1, 3); // columns 1, 2
    Tensor w = Tensor.constant(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
    List<Tensor> g = Autodiff.grad(List.of(Ops.sum(Ops.mul(s, w), false)), null, List.of(a, b), false, false);
    assertArrayEquals(new double[] {0, 1, 0, 3}, g.get(0).value().dup().data().asDouble(), 0.0);
    assertArrayEquals(new double[] {2, 4}, g.get(1).value().dup().data().asDouble(), 0.0);
  }
}
