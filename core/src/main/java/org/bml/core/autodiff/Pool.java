package org.bml.core.autodiff;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2×2 max-pooling (stride 2) on even spatial sizes as two mutually adjoint linear primitives,
 * so derivatives of any order stay within the backend's pooling kernels (oneDNN with ND4J):
 * {@code route(g)} puts each window's upstream value on the window's maximal entry
 * ({@code maxpool2d_bp}), {@code gather(h)} reads each window's value at that entry
 * (sum-pooling of h masked by the routing). The routing depends on the pooled input only, so it
 * is computed once per pooling and shared by all backward applications.
 *
 * <p>Ties route to one maximal entry (the kernel's choice, the first in the window here): a
 * valid subgradient, and the gradient is exact wherever the maximum is unique.
 */
final class Pool {
  private Pool() {}

  /** Max-pools the last two axes of x (both even). */
  static Tensor maxPool2x2Even(Tensor x) {
    INDArray x4 = asBatch(x.value());
    INDArray y = Backends.current().maxPool2x2(x4);
    Routing routing = new Routing(x4);
    long[] yShape = pooledShape(x.shape());
    return Ops.record("maxPool2x2", y.reshape(yShape), new Tensor[] {x},
        (g, out, need) -> new Tensor[] {route(g, routing, x.shape())});
  }

  /** The pooled input and its lazily computed one-hot routing mask. */
  private static final class Routing {
    private final INDArray input;
    private INDArray mask;

    Routing(INDArray input) {
      this.input = input;
    }

    INDArray mask() {
      if (mask == null) {
        INDArray ones = Nd4j.ones(input.dataType(), input.size(0), input.size(1), input.size(2) / 2, input.size(3) / 2);
        mask = Backends.current().maxPool2x2Route(input, ones);
      }
      return mask;
    }
  }

  /** Window values of g placed on the maximal entries: shape of the pooled input. */
  private static Tensor route(Tensor g, Routing r, long[] xShape) {
    INDArray v = Backends.current().maxPool2x2Route(r.input, asBatch(g.value()));
    return Ops.record("maxPool2x2Route", v.reshape(xShape), new Tensor[] {g},
        (h, out, need) -> new Tensor[] {gather(h, r, g.shape())});
  }

  /** Adjoint of route: each window's value of h at its maximal entry. */
  private static Tensor gather(Tensor h, Routing r, long[] gShape) {
    INDArray masked = Backends.current().binary(ArrayBackend.Binary.MUL, asBatch(h.value()), r.mask());
    INDArray v = Backends.current().sumPool2x2(masked);
    return Ops.record("maxPool2x2Gather", v.reshape(gShape), new Tensor[] {h},
        (g, out, need) -> new Tensor[] {route(g, r, h.shape())});
  }

  // [..., H, W] as a contiguous [B, C, H, W] batch (B, C = 1 where x has fewer axes).
  private static INDArray asBatch(INDArray x) {
    long[] s = x.shape();
    int r = s.length;
    long c = r >= 3 ? s[r - 3] : 1;
    long b = 1;
    for (int i = 0; i < r - 3; i++) {
      b *= s[i];
    }
    INDArray src = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    return src.reshape('c', b, c, s[r - 2], s[r - 1]);
  }

  private static long[] pooledShape(long[] s) {
    long[] out = s.clone();
    out[s.length - 2] /= 2;
    out[s.length - 1] /= 2;
    return out;
  }
}
