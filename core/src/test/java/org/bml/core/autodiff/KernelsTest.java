package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.memory.MemoryScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The BLAS/memcpy fast paths against ND4J's own ops, on the layouts that broke them once: views
 * with offsets (meta-parameters are views of the optimizer's flat array), permuted arrays, and
 * arrays allocated inside a workspace whose memory holds garbage from a previous iteration.
 */
class KernelsTest {
  private static INDArray viewOf(INDArray a) {
    INDArray big = Nd4j.rand(a.dataType(), a.length() + 17);
    INDArray view = big.get(NDArrayIndex.interval(13, 13 + a.length())).reshape(a.shape());
    view.assign(a);
    return view;
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void batchedMatmulMatchesNd4jOnViewsAndTransposes(String type) {
    DataType dt = DataType.valueOf(type);
    for (boolean inScope : new boolean[] {false, true}) {
      for (int round = 0; round < 2; round++) {
        try (MemoryScope scope = inScope ? MemoryScope.open("kernels-test") : null) {
          if (inScope) {
            Nd4j.valueArrayOf(new long[] {4096}, Double.NaN, dt); // poison the workspace
          }
          INDArray a = viewOf(Nd4j.rand(dt, 3, 4, 5));
          INDArray b = viewOf(Nd4j.rand(dt, 3, 5, 2));
          for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
              INDArray x = ta ? a.permute(0, 2, 1).dup().permute(0, 2, 1) : a;
              INDArray aa = ta ? a.permute(0, 2, 1).dup() : a;
              INDArray bb = tb ? b.permute(0, 2, 1).dup() : b;
              INDArray expected = Nd4j.matmul(aa, bb, ta, tb, false);
              INDArray actual = Kernels.matmul(aa, bb, ta, tb);
              assertTrue(expected.equalsWithEps(actual, 1e-5), "transA=" + ta + " transB=" + tb + " scope=" + inScope);
              assertEquals(x.length(), a.length());
            }
          }
          INDArray p = Nd4j.rand(dt, 5, 4).permute(1, 0); // non-contiguous input
          assertTrue(Nd4j.matmul(p, b.get(NDArrayIndex.point(0)), false, false, false)
              .equalsWithEps(Kernels.matmul(p, b.get(NDArrayIndex.point(0)), false, false), 1e-5));
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void repeatLeadingMatchesBroadcastingAdd(String type) {
    DataType dt = DataType.valueOf(type);
    for (int round = 0; round < 2; round++) {
      try (MemoryScope scope = MemoryScope.open("kernels-test-2")) {
        Nd4j.valueArrayOf(new long[] {4096}, Double.NaN, dt);
        INDArray src = viewOf(Nd4j.rand(dt, 1, 4, 3));
        INDArray out = Nd.broadcastTo(src, new long[] {6, 4, 3});
        INDArray expected = Nd4j.zeros(dt, 6, 4, 3).addi(src);
        assertTrue(expected.equalsWithEps(out, 0), "repeat of a view with offset");
        INDArray mid = Nd.broadcastTo(Nd4j.rand(dt, 6, 1, 3), new long[] {6, 4, 3}); // not a leading repeat
        assertTrue(mid.isNaN().any() == false);
      }
    }
  }
}
