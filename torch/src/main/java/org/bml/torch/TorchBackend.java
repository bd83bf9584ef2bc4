package org.bml.torch;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.ArrayBackend;
import org.bml.core.autodiff.Device;
import org.bytedeco.javacpp.BoolPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link ArrayBackend} on libtorch (bytedeco's JavaCPP presets for PyTorch), on the CPU or
 * one CUDA GPU. Arrays cross the seam as host {@link INDArray}s: an input is wrapped in place
 * (zero copy on the CPU, one host-to-device copy on a GPU) and each result is copied into a new
 * ND4J array, so float64 and float32 both keep their dtype end to end.
 *
 * <p>Every kernel closes the libtorch tensors it made before it returns, rather than leaving
 * native memory to the garbage collector: the tape calls thousands of small kernels per step.
 */
public final class TorchBackend implements ArrayBackend {
  private static final long[] K2 = {2, 2};
  private static final long[] P0 = {0, 0};
  private static final long[] D1 = {1, 1};

  private final Device device;
  private final org.bytedeco.pytorch.Device torchDevice;
  private final String version;

  TorchBackend(Device device, String version) {
    this.device = device;
    this.version = version;
    this.torchDevice = device.isCuda() ? new org.bytedeco.pytorch.Device(device.toString()) : null;
  }

  @Override
  public String name() {
    return "torch";
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public String version() {
    return version;
  }

  // ------------------------------------------------------------ crossing the seam

  /** The tensors and arrays one kernel call must keep alive, then release. */
  private final class Scope implements AutoCloseable {
    private final List<Pointer> made = new ArrayList<>();
    private final List<INDArray> pinned = new ArrayList<>();

    <P extends Pointer> P t(P x) {
      made.add(x);
      return x;
    }

    /** x as a tensor on this backend's device (x unchanged; CPU: a view of x's buffer). */
    Tensor in(INDArray x) {
      INDArray c = x;
      if (!denseC(c)) {
        c = x.dup('c');
      }
      pinned.add(c);
      long[] shape = c.shape();
      ScalarType st = scalarType(c.dataType());
      Tensor host;
      if (c.length() == 0) {
        host = t(torch.empty(shape, new TensorOptions(st), null));
      } else {
        host = t(torch.from_blob(c.data().addressPointer(), shape, new TensorOptions(st)));
      }
      return torchDevice == null ? host : t(host.to(torchDevice, st));
    }

    /** r copied into a new ND4J array of r's shape and dtype. */
    INDArray out(Tensor r) {
      long[] shape = sizes(r);
      INDArray o = Nd4j.createUninitialized(dataType(r.scalar_type()), shape);
      into(r, o);
      return o;
    }

    /** r copied into o (dense C order, r's shape). */
    void into(Tensor r, INDArray o) {
      if (o.length() == 0) {
        return;
      }
      if (!denseC(o)) {
        INDArray tmp = Nd4j.createUninitialized(o.dataType(), o.shape());
        into(r, tmp);
        o.assign(tmp);
        return;
      }
      pinned.add(o);
      Tensor dst = t(torch.from_blob(o.data().addressPointer(), o.shape(), new TensorOptions(scalarType(o.dataType()))));
      dst.copy_(r);
    }

    @Override
    public void close() {
      for (int i = made.size() - 1; i >= 0; i--) {
        made.get(i).close();
      }
      Reference.reachabilityFence(pinned);
    }
  }

  /**
   * Whether x's buffer holds exactly its elements in C order. Not ordering()/isView(): an ND4J
   * permute is a strided view that can report neither.
   */
  static boolean denseC(INDArray x) {
    if (x.offset() != 0 || x.data().length() != x.length()) {
      return false;
    }
    long[] shape = x.shape();
    long[] stride = x.stride();
    long want = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != want) {
        return false;
      }
      want *= shape[d];
    }
    return true;
  }

  private static long[] sizes(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.size(i);
    }
    return s;
  }

  static ScalarType scalarType(DataType d) {
    return switch (d) {
      case DOUBLE -> ScalarType.Double;
      case FLOAT -> ScalarType.Float;
      case BOOL -> ScalarType.Bool;
      case INT -> ScalarType.Int;
      case LONG -> ScalarType.Long;
      default -> throw new IllegalArgumentException("the torch backend takes DOUBLE, FLOAT, BOOL, INT or LONG arrays, not " + d);
    };
  }

  static DataType dataType(ScalarType t) {
    // Native calls return enum objects made from the byte value: intern() gives the constant.
    ScalarType s = t.intern();
    if (s == ScalarType.Double) {
      return DataType.DOUBLE;
    }
    if (s == ScalarType.Float) {
      return DataType.FLOAT;
    }
    if (s == ScalarType.Bool) {
      return DataType.BOOL;
    }
    if (s == ScalarType.Int) {
      return DataType.INT;
    }
    if (s == ScalarType.Long) {
      return DataType.LONG;
    }
    throw new IllegalStateException("libtorch returned dtype " + s + ", which has no ND4J counterpart here");
  }

  private interface Kernel {
    Tensor apply(Scope s);
  }

  private INDArray run(Kernel k) {
    try (Scope s = new Scope()) {
      return s.out(s.t(k.apply(s)));
    }
  }

  private void runInto(INDArray out, Kernel k) {
    try (Scope s = new Scope()) {
      s.into(s.t(k.apply(s)), out);
    }
  }

  private TensorOptions options(Scope s, ScalarType st) {
    TensorOptions o = new TensorOptions(st);
    return torchDevice == null ? o : o.device(s.t(new DeviceOptional(torchDevice)));
  }

  private static Scalar scalar(double c) {
    return new Scalar(c);
  }

  // ------------------------------------------------------------ kernels

  @Override
  public INDArray unary(Unary op, INDArray x) {
    return run(s -> {
      Tensor a = s.in(x);
      return switch (op) {
        case NEG -> torch.neg(a);
        case EXP -> torch.exp(a);
        case LOG -> torch.log(a);
        case LOG1P -> torch.log1p(a);
        case SQRT -> torch.sqrt(a);
        case TANH -> torch.tanh(a);
        case RELU -> torch.relu(a);
        case STEP -> s.t(torch.gt(a, s.t(scalar(0)))).to(a.scalar_type());
        case SIGMOID -> torch.sigmoid(a);
        // log(1 + eˣ) everywhere, as ND4J computes it: libtorch's default switches to x above 20.
        case SOFTPLUS -> torch.softplus(a, s.t(scalar(1)), s.t(scalar(Double.MAX_VALUE)));
      };
    });
  }

  @Override
  public INDArray pow(INDArray x, double p) {
    return run(s -> torch.pow(s.in(x), s.t(scalar(p))));
  }

  @Override
  public INDArray binary(Binary op, INDArray a, INDArray b) {
    return run(s -> {
      Tensor x = s.in(a);
      Tensor y = s.in(b);
      return switch (op) {
        case ADD -> torch.add(x, y);
        case SUB -> torch.sub(x, y);
        case MUL -> torch.mul(x, y);
        case DIV -> torch.div(x, y);
      };
    });
  }

  @Override
  public INDArray withScalar(WithScalar op, INDArray x, double c) {
    return run(s -> {
      Tensor a = s.in(x);
      Scalar k = s.t(scalar(c));
      return switch (op) {
        case ADD -> torch.add(a, k);
        case MUL -> torch.mul(a, k);
        case RSUB -> torch.rsub(a, k);
      };
    });
  }

  @Override
  public INDArray addScaled(INDArray a, INDArray b, double c) {
    return run(s -> torch.add(s.in(a), s.in(b), s.t(scalar(c))));
  }

  private static long[] axes(INDArray x, int[] axes) {
    if (axes.length == 0) {
      // ND4J reduces over every dimension when none is named.
      long[] all = new long[x.rank()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    long[] l = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      l[i] = axes[i] < 0 ? axes[i] + x.rank() : axes[i];
    }
    return l;
  }

  @Override
  public INDArray sum(INDArray x, boolean keepDims, int... axes) {
    return run(s -> s.in(x).sum(axes(x, axes), keepDims, new ScalarTypeOptional()));
  }

  @Override
  public INDArray max(INDArray x, boolean keepDims, int... axes) {
    return run(s -> torch.amax(s.in(x), axes(x, axes), keepDims));
  }

  @Override
  public INDArray equalMask(INDArray a, INDArray b) {
    return run(s -> s.t(torch.eq(s.in(a), s.in(b))).to(scalarType(a.dataType())));
  }

  @Override
  public INDArray broadcastTo(INDArray v, long[] shape) {
    INDArray out = Nd4j.createUninitialized(v.dataType(), shape);
    runInto(out, s -> s.in(v).expand(shape));
    return out;
  }

  @Override
  public INDArray matmul(INDArray a, INDArray b, boolean transA, boolean transB) {
    return run(s -> {
      Tensor x = s.in(a);
      Tensor y = s.in(b);
      if (transA) {
        x = s.t(x.transpose(x.dim() - 2, x.dim() - 1));
      }
      if (transB) {
        y = s.t(y.transpose(y.dim() - 2, y.dim() - 1));
      }
      return torch.matmul(x, y);
    });
  }

  @Override
  public INDArray gather0(INDArray x, int[] indices) {
    long[] idx = new long[indices.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = indices[i];
    }
    return run(s -> torch.index_select(s.in(x), 0, s.in(Nd4j.createFromArray(idx))));
  }

  @Override
  public INDArray select(INDArray cond, INDArray a, INDArray b) {
    return run(s -> torch.where(s.in(cond), s.in(a), s.in(b)));
  }

  @Override
  public INDArray matrixInverse(INDArray m) {
    return run(s -> torch.linalg_inv(s.in(m)));
  }

  @Override
  public void conv2d(INDArray x, INDArray w, INDArray out, int stride, int pad) {
    runInto(out, s -> torch.conv2d(s.in(x), s.in(w), s.t(new TensorOptional()),
        new long[] {stride, stride}, new long[] {pad, pad}, D1, 1));
  }

  @Override
  public void conv2dInputGrad(INDArray g, INDArray w, INDArray out, int stride, int pad) {
    // The adjoint of a strided convolution is the transposed convolution; rows/columns the
    // forward pass dropped are added back by output_padding (< stride) and receive zero.
    long oph = out.size(2) - ((g.size(2) - 1) * stride - 2L * pad + w.size(2));
    long opw = out.size(3) - ((g.size(3) - 1) * stride - 2L * pad + w.size(3));
    runInto(out, s -> torch.conv_transpose2d(s.in(g), s.in(w), s.t(new TensorOptional()),
        new long[] {stride, stride}, new long[] {pad, pad}, new long[] {oph, opw}, 1, D1));
  }

  @Override
  public void conv2dWeightGrad(INDArray x, INDArray g, INDArray out, int stride, int pad) {
    runInto(out, s -> {
      Tensor xt = s.in(x);
      // Only the weight's shape matters for ∂/∂w.
      Tensor w = s.t(torch.empty(out.shape(), s.t(options(s, xt.scalar_type())), null));
      BoolPointer mask = s.t(new BoolPointer(3));
      mask.put(0, false).put(1, true).put(2, false);
      var grads = s.t(torch.convolution_backward(s.in(g), xt, w, s.t(new LongArrayRefOptional()),
          new long[] {stride, stride}, new long[] {pad, pad}, D1, false, P0, 1, mask));
      s.t(grads.get0());
      s.t(grads.get2());
      return grads.get1();
    });
  }

  @Override
  public INDArray maxPool2x2(INDArray x) {
    return run(s -> torch.max_pool2d(s.in(x), K2, K2, P0, D1, false));
  }

  @Override
  public INDArray maxPool2x2Route(INDArray x, INDArray g) {
    return run(s -> {
      Tensor xt = s.in(x);
      var pooled = s.t(torch.max_pool2d_with_indices(xt, K2, K2, P0, D1, false));
      s.t(pooled.get0());
      Tensor idx = s.t(pooled.get1());
      return torch.max_pool2d_with_indices_backward(s.in(g), xt, K2, K2, P0, D1, false, idx);
    });
  }

  @Override
  public INDArray sumPool2x2(INDArray x) {
    return run(s -> {
      Tensor xt = s.in(x);
      long b = x.size(0);
      long c = x.size(1);
      long h = x.size(2);
      long w = x.size(3);
      return s.t(xt.reshape(b, c, h / 2, 2, w / 2, 2)).sum(new long[] {3, 5}, false, new ScalarTypeOptional());
    });
  }

  @Override
  public String toString() {
    return name() + " on " + device;
  }
}
