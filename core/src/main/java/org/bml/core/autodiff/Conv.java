package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Convolution as three mutually adjoint primitives, so derivatives of any order stay within them:
 * with B(x, w, g) = ⟨conv2d(x, w), g⟩, {@code inputGrad(g, w) = ∂B/∂x} and
 * {@code weightGrad(x, g) = ∂B/∂w}; each primitive's backward rule is made of the other two.
 * Rank-4 arguments are one batch; rank-5 arguments carry a leading task axis and are evaluated
 * task by task (each task has its own weights).
 */
final class Conv {
  private Conv() {}

  static Tensor conv2d(Tensor x, Tensor w, int stride, int pad) {
    validate("conv2d", x, w, stride, pad);
    INDArray v = perTask(x.value(), w.value(), outShape(x.shape(), w.shape(), stride, pad),
        (xi, wi, out) -> Backends.current().conv2d(xi, wi, out, stride, pad));
    return Ops.record("conv2d", v, new Tensor[] {x, w}, (g, out, need) -> new Tensor[] {
        need[0] ? inputGrad(g, w, x.shape(), stride, pad) : null,
        need[1] ? weightGrad(x, g, w.shape(), stride, pad) : null});
  }

  /** ∂⟨conv2d(x, w), g⟩/∂x: the transposed convolution of g, shaped like x. */
  static Tensor inputGrad(Tensor g, Tensor w, long[] xShape, int stride, int pad) {
    INDArray v = perTask(g.value(), w.value(), xShape,
        (gi, wi, out) -> Backends.current().conv2dInputGrad(gi, wi, out, stride, pad));
    return Ops.record("conv2dInputGrad", v, new Tensor[] {g, w}, (h, out, need) -> new Tensor[] {
        need[0] ? conv2d(h, w, stride, pad) : null,
        need[1] ? weightGrad(h, g, w.shape(), stride, pad) : null});
  }

  /** ∂⟨conv2d(x, w), g⟩/∂w: correlation of x's patches with g, shaped like w. */
  static Tensor weightGrad(Tensor x, Tensor g, long[] wShape, int stride, int pad) {
    INDArray v = perTask(x.value(), g.value(), wShape,
        (xi, gi, out) -> Backends.current().conv2dWeightGrad(xi, gi, out, stride, pad));
    return Ops.record("conv2dWeightGrad", v, new Tensor[] {x, g}, (h, out, need) -> new Tensor[] {
        need[0] ? inputGrad(g, h, x.shape(), stride, pad) : null,
        need[1] ? conv2d(x, h, stride, pad) : null});
  }

  @FunctionalInterface
  private interface Kernel {
    void apply(INDArray a, INDArray b, INDArray out);
  }

  // Applies the kernel to one batch, or to each task of rank-5 arguments writing into a slice of out.
  private static INDArray perTask(INDArray a, INDArray b, long[] outShape, Kernel kernel) {
    // ND4J's get(point(t)) mis-slices views whose strides are not the dense c-order ones (e.g. a
    // slice of a larger flat vector), returning a rank-0 array: such arguments are made dense.
    a = dense(a);
    b = dense(b);
    INDArray out = Nd4j.createUninitialized(a.dataType(), outShape);
    if (a.rank() == 4) {
      kernel.apply(a, b, out);
      return out;
    }
    for (long t = 0; t < outShape[0]; t++) {
      INDArray slot = out.get(NDArrayIndex.point(t));
      kernel.apply(a.get(NDArrayIndex.point(t)), b.get(NDArrayIndex.point(t)), slot);
    }
    return out;
  }

  private static INDArray dense(INDArray a) {
    return a.ordering() == 'c' && Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), 'c')) ? a : a.dup('c');
  }

  private static long[] outShape(long[] x, long[] w, int stride, int pad) {
    int r = x.length;
    long k = w[w.length - 1];
    long oh = (x[r - 2] + 2L * pad - k) / stride + 1;
    long ow = (x[r - 1] + 2L * pad - k) / stride + 1;
    return r == 4 ? new long[] {x[0], w[0], oh, ow} : new long[] {x[0], x[1], w[1], oh, ow};
  }

  private static void validate(String op, Tensor x, Tensor w, int stride, int pad) {
    long[] xs = x.shape();
    long[] ws = w.shape();
    boolean ranksOk = (xs.length == 4 && ws.length == 4) || (xs.length == 5 && ws.length == 5 && xs[0] == ws[0]);
    if (!ranksOk || xs[xs.length - 3] != ws[ws.length - 3] || ws[ws.length - 1] != ws[ws.length - 2]) {
      throw new IllegalArgumentException("op '" + op + "': input " + Arrays.toString(xs) + " and weights "
          + Arrays.toString(ws) + " do not match (need x [N,C,H,W] with w [O,C,k,k], or a shared leading task axis)");
    }
    if (stride < 1 || pad < 0) {
      throw new IllegalArgumentException("op '" + op + "': stride " + stride + " must be >= 1 and padding " + pad + " >= 0");
    }
    long k = ws[ws.length - 1];
    if (xs[xs.length - 2] + 2L * pad < k || xs[xs.length - 1] + 2L * pad < k) {
      throw new IllegalArgumentException("op '" + op + "': kernel " + k + " larger than padded input "
          + Arrays.toString(xs));
    }
  }
}
