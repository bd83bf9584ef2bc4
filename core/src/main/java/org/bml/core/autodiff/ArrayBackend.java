package org.bml.core.autodiff;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The array kernels under the tape: everything {@link Ops}, {@link Conv} and {@link Pool} compute
 * numerically goes through one implementation of this interface, so the tape, its backward rules
 * and the models are written once whatever library does the arithmetic.
 *
 * <p>Arrays cross the seam as {@link INDArray} (host arrays): that keeps {@link Tensor#value()}
 * unchanged for all code outside the tape. Kernels never modify their inputs; those that take an
 * {@code out} array write their result into it (a dense C-order array of the result's shape).
 * Element-wise binary kernels follow ND4J's broadcasting of equal-rank arrays along size-1
 * dimensions (callers pad ranks first). Implementations must be deterministic for fixed inputs.
 */
public interface ArrayBackend {

  /** Element-wise unary kernels (STEP is the 0/1 indicator of x &gt; 0). */
  enum Unary { NEG, EXP, LOG, LOG1P, SQRT, TANH, RELU, STEP, SIGMOID, SOFTPLUS }

  /** Element-wise binary kernels, broadcasting along size-1 dimensions of equal-rank arrays. */
  enum Binary { ADD, SUB, MUL, DIV }

  /** Binary kernels with a constant: x + c, x · c, c − x. */
  enum WithScalar { ADD, MUL, RSUB }

  /** Short name, as given to {@code --backend}. */
  String name();

  /** The device the kernels run on, e.g. {@code cpu} or {@code cuda:0}. */
  Device device();

  /** Library and version, for {@code bml env} and checkpoints. */
  String version();

  INDArray unary(Unary op, INDArray x);

  /** x^p for a constant p. */
  INDArray pow(INDArray x, double p);

  INDArray binary(Binary op, INDArray a, INDArray b);

  INDArray withScalar(WithScalar op, INDArray x, double c);

  /** a + c · b, same shapes. */
  INDArray addScaled(INDArray a, INDArray b, double c);

  /** Sum over sorted, distinct axes. */
  INDArray sum(INDArray x, boolean keepDims, int... axes);

  /** Max over sorted, distinct axes. */
  INDArray max(INDArray x, boolean keepDims, int... axes);

  /** 1 where a == b element-wise (b broadcast to a's shape already), else 0, in dtype of a. */
  INDArray equalMask(INDArray a, INDArray b);

  /** v copied to shape (v's rank padded to shape's and broadcast-compatible with it). */
  INDArray broadcastTo(INDArray v, long[] shape);

  /** op(a) · op(b) for two 2-D or two 3-D (batched) arrays. */
  INDArray matmul(INDArray a, INDArray b, boolean transA, boolean transB);

  /** Rows of x (axis 0) at the indices. */
  INDArray gather0(INDArray x, int[] indices);

  /** cond ? a : b, all of one shape (cond BOOL). */
  INDArray select(INDArray cond, INDArray a, INDArray b);

  /** The inverse of square matrices [n, n] or [B, n, n] (dense C order input). */
  INDArray matrixInverse(INDArray m);

  /** Cross-correlation of x [N, C, H, W] with w [O, C, k, k] into out [N, O, H', W']. */
  void conv2d(INDArray x, INDArray w, INDArray out, int stride, int pad);

  /**
   * ∂⟨conv2d(x, w), g⟩/∂x for g [N, O, H', W'] into out [N, C, H, W] (rows/columns the forward
   * pass dropped get zero).
   */
  void conv2dInputGrad(INDArray g, INDArray w, INDArray out, int stride, int pad);

  /** ∂⟨conv2d(x, w), g⟩/∂w into out [O, C, k, k]. */
  void conv2dWeightGrad(INDArray x, INDArray g, INDArray out, int stride, int pad);

  /** 2×2 stride-2 max-pooling of a dense [B, C, H, W] with even H, W. */
  INDArray maxPool2x2(INDArray x);

  /** g [B, C, H/2, W/2] placed on each window's (first) maximal entry of x: shape of x. */
  INDArray maxPool2x2Route(INDArray x, INDArray g);

  /** Sum over each 2×2 window of a dense [B, C, H, W] (stride 2). */
  INDArray sumPool2x2(INDArray x);
}
