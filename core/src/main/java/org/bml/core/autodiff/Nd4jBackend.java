package org.bml.core.autodiff;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log1p;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The default backend: ND4J on the CPU (oneDNN for convolution and pooling, the bundled OpenBLAS
 * for matrix products through {@link Kernels}). These are the calls the ops made before the seam
 * existed, one for one, so results are bit-identical to them.
 */
final class Nd4jBackend implements ArrayBackend {
  static final Nd4jBackend INSTANCE = new Nd4jBackend();

  // kH, kW, sH, sW, pH, pW, dH, dW, sameMode, extraParam (avg: divide by window), NCHW
  private static final long[] POOL_ARGS = {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0};

  private Nd4jBackend() {}

  @Override
  public String name() {
    return "nd4j";
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public String version() {
    String v = Nd4j.class.getPackage().getImplementationVersion();
    return "ND4J " + (v == null ? "1.0.0-M2.1" : v) + " (" + Nd4j.getBackend().getClass().getSimpleName() + ")";
  }

  @Override
  public INDArray unary(Unary op, INDArray x) {
    INDArray fast = Elementwise.unary(op, x);
    if (fast != null) {
      return fast;
    }
    return switch (op) {
      case NEG -> x.neg();
      case EXP -> Transforms.exp(x, true);
      case LOG -> Transforms.log(x, true);
      case LOG1P -> Nd4j.getExecutioner().exec(new Log1p(x, x.ulike()));
      case SQRT -> Transforms.sqrt(x, true);
      case TANH -> Transforms.tanh(x, true);
      case RELU -> Transforms.relu(x, true);
      case STEP -> Nd4j.getExecutioner().exec(new Step(x, x.ulike(), 0.0));
      case SIGMOID -> Transforms.sigmoid(x, true);
      case SOFTPLUS -> Transforms.softPlus(x, true);
    };
  }

  @Override
  public INDArray pow(INDArray x, double p) {
    return Transforms.pow(x, p, true);
  }

  @Override
  public INDArray binary(Binary op, INDArray a, INDArray b) {
    INDArray fast = Elementwise.binary(op, a, b);
    if (fast != null) {
      return fast;
    }
    return switch (op) {
      case ADD -> a.add(b);
      case SUB -> a.sub(b);
      case MUL -> a.mul(b);
      case DIV -> a.div(b);
    };
  }

  @Override
  public INDArray withScalar(WithScalar op, INDArray x, double c) {
    if (Double.isNaN(c)) {
      // ND4J's scalar ops replace a NaN scalar by 1e-5 (Nd4j.EPS_THRESHOLD); x ∘ NaN is NaN.
      return Nd4j.valueArrayOf(x.shape(), Double.NaN, x.dataType());
    }
    INDArray fast = Elementwise.withScalar(op, x, c);
    if (fast != null) {
      return fast;
    }
    return switch (op) {
      case ADD -> x.add(c);
      case MUL -> x.mul(c);
      case RSUB -> x.rsub(c);
    };
  }

  @Override
  public INDArray addScaled(INDArray a, INDArray b, double c) {
    if (Double.isNaN(c)) {
      return Nd4j.valueArrayOf(a.shape(), Double.NaN, a.dataType());
    }
    INDArray fast = Elementwise.addScaled(a, b, c);
    if (fast != null) {
      return fast;
    }
    return b.mul(c).addi(a);
  }

  @Override
  public INDArray sum(INDArray x, boolean keepDims, int... axes) {
    return x.sum(keepDims, axes);
  }

  @Override
  public INDArray max(INDArray x, boolean keepDims, int... axes) {
    return x.max(keepDims, axes);
  }

  @Override
  public INDArray equalMask(INDArray a, INDArray b) {
    return a.eq(b).castTo(a.dataType());
  }

  @Override
  public INDArray broadcastTo(INDArray src, long[] shape) {
    // Small arrays in Java, with the same bits as the two ND4J paths below.
    INDArray small = Elementwise.broadcastTo(src, shape, Kernels.isLeadingRepeat(src.shape(), shape));
    if (small != null) {
      return small;
    }
    INDArray fast = Kernels.repeatLeading(src, shape);
    if (fast != null) {
      return fast;
    }
    // Not createUninitialized(shape).assign(src): in M2.1 assign() does not broadcast along
    // leading size-1 dims. INDArray.broadcast() is correct but ~10x slower than a broadcasting add.
    if (!src.dataType().isNumerical()) {
      return src.broadcast(shape); // addi rejects BOOL, e.g. the condition of Ops.where
    }
    return Nd4j.zeros(src.dataType(), shape).addi(src);
  }

  @Override
  public INDArray matmul(INDArray a, INDArray b, boolean transA, boolean transB) {
    return Kernels.matmul(a, b, transA, transB);
  }

  @Override
  public INDArray gather0(INDArray x, int[] indices) {
    return Nd.exec("gather", new INDArray[] {x, Nd4j.createFromArray(indices)}, null, 0);
  }

  @Override
  public INDArray select(INDArray cond, INDArray a, INDArray b) {
    return Nd.exec("select", new INDArray[] {cond, a, b}, null);
  }

  @Override
  public INDArray matrixInverse(INDArray m) {
    return Nd.exec("matrix_inverse", new INDArray[] {m}, new INDArray[] {m.ulike()});
  }

  @Override
  public void conv2d(INDArray x, INDArray w, INDArray out, int stride, int pad) {
    Nd.exec("conv2d", new INDArray[] {x, w}, new INDArray[] {out},
        w.size(2), w.size(3), stride, stride, pad, pad, 1, 1, 0, 0, 1);
  }

  @Override
  public void conv2dInputGrad(INDArray g, INDArray w, INDArray out, int stride, int pad) {
    // deconv2d wants weights [kH, kW, outC, inC] = conv's [O, C, kH, kW] permuted.
    INDArray wt = w.permute(2, 3, 1, 0).dup('c');
    long h = out.size(2);
    long wd = out.size(3);
    long dh = (g.size(2) - 1) * stride + w.size(2) - 2L * pad;
    long dw = (g.size(3) - 1) * stride + w.size(3) - 2L * pad;
    if (dh == h && dw == wd) {
      Nd.exec("deconv2d", new INDArray[] {g, wt}, new INDArray[] {out},
          w.size(2), w.size(3), stride, stride, pad, pad, 1, 1, 0, 0);
    } else {
      // The unpadded adjoint covers input rows -pad .. full-1-pad; crop it to the input. Rows the
      // forward pass never read (stride not dividing the size) get zero. Cropping only
      // dh = full - 2·pad rows, as before, lost the last row when the bottom padding reached it
      // (stride 2, pad 1, even size).
      out.assign(0);
      INDArray full = Nd.exec("deconv2d", new INDArray[] {g, wt}, null,
          w.size(2), w.size(3), stride, stride, 0, 0, 1, 1, 0, 0);
      long rows = Math.min(full.size(2), pad + h) - pad;
      long cols = Math.min(full.size(3), pad + wd) - pad;
      out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, rows), NDArrayIndex.interval(0, cols))
          .assign(full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + rows),
              NDArrayIndex.interval(pad, pad + cols)));
    }
  }

  @Override
  public void conv2dWeightGrad(INDArray x, INDArray g, INDArray out, int stride, int pad) {
    long[] w4 = out.shape();
    int k = (int) w4[3];
    // conv2d_bp computes ∂/∂w with one backward-weights primitive (oneDNN where available:
    // ~10x faster than im2col + tensorMmul, whose permute copies the patch matrix). Its input
    // gradient is discarded, so zero weights do.
    INDArray unusedW = Nd4j.zeros(x.dataType(), w4);
    INDArray unusedInputGrad = Nd4j.createUninitialized(x.dataType(), x.shape());
    Nd.exec("conv2d_bp", new INDArray[] {x, unusedW, g}, new INDArray[] {unusedInputGrad, out},
        k, k, stride, stride, pad, pad, 1, 1, 0, 0, 1);
  }

  @Override
  public INDArray maxPool2x2(INDArray x) {
    return Nd.exec("maxpool2d", new INDArray[] {x}, null, POOL_ARGS);
  }

  @Override
  public INDArray maxPool2x2Route(INDArray x, INDArray g) {
    return Nd.exec("maxpool2d_bp", new INDArray[] {x, g}, null, POOL_ARGS);
  }

  @Override
  public INDArray sumPool2x2(INDArray x) {
    return Nd.exec("avgpool2d", new INDArray[] {x}, null, POOL_ARGS).muli(4);
  }

  @Override
  public String toString() {
    return name() + " on " + device();
  }
}
