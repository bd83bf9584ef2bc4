package org.bml.core.autodiff;

import org.bml.core.autodiff.ArrayBackend.Binary;
import org.bml.core.autodiff.ArrayBackend.Unary;
import org.bml.core.autodiff.ArrayBackend.WithScalar;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Element-wise kernels for small arrays, computed in Java on the CPU backend. On the small
 * arrays of meta-learning programs (a sine MAML step's largest is 10,000 floats) an ND4J op
 * costs its output's shape computation, an op context and several native calls, about three
 * times the arithmetic; here the cost is one output allocation a bulk copy in and out and a
 * loop the JIT vectorises.
 *
 * <p>Every kernel is one IEEE operation per element (add, subtract, multiply, divide, negate,
 * a comparison), so its result is bit-for-bit ND4J's; the special cases ND4J defines its own way
 * are reproduced: relu keeps −0 and NaN, step is {@code x > 0}, a scalar is first rounded to the
 * array's type, and a broadcast that is not a leading repetition is {@code 0 + x} (−0 becomes +0),
 * as ND4J's {@code zeros().addi(x)}. {@code ElementwiseTest} compares bits against ND4J.
 *
 * <p>Each method returns null when it does not apply (another dtype, a non-dense or non-C-order
 * layout, more than {@link #MAX_LENGTH} elements, another backend than the CPU): the caller then
 * uses ND4J.
 */
final class Elementwise {
  /** Arrays above this many elements go to ND4J, whose native loops win once the call overhead is amortised. */
  static final int MAX_LENGTH = Integer.getInteger("bml.elementwise.maxLength", 1 << 16);

  private static final boolean ON = Kernels.CPU && !Boolean.getBoolean("bml.noElementwise");

  private Elementwise() {}

  private static boolean fits(INDArray a) {
    DataType t = a.dataType();
    long n = a.length();
    return (t == DataType.FLOAT || t == DataType.DOUBLE) && n > 0 && n <= MAX_LENGTH && a.ordering() == 'c'
        && isDenseC(a);
  }

  private static boolean isDenseC(INDArray a) {
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  // ---------------------------------------------------------------- bulk copies

  // Operands are copied in and the result out with one native memcpy each (per-element access to
  // native memory through a direct buffer measured slower in place). Per-thread scratch: slot 0
  // and 1 for the operands, 2 for the result; worker threads each have their own.
  private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[3][0]);
  private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[3][0]);

  private static float[] scratchF(int slot, int n) {
    float[][] s = FLOATS.get();
    return s[slot].length >= n ? s[slot] : (s[slot] = new float[Math.max(n, 1024)]);
  }

  private static double[] scratchD(int slot, int n) {
    double[][] s = DOUBLES.get();
    return s[slot].length >= n ? s[slot] : (s[slot] = new double[Math.max(n, 1024)]);
  }

  private static float[] floats(INDArray a, int n, int slot) {
    float[] v = scratchF(slot, n);
    new FloatPointer(a.data().addressPointer()).get(v, 0, n);
    return v;
  }

  private static double[] doubles(INDArray a, int n, int slot) {
    double[] v = scratchD(slot, n);
    new DoublePointer(a.data().addressPointer()).get(v, 0, n);
    return v;
  }

  private static INDArray store(INDArray out, float[] z, int n) {
    new FloatPointer(out.data().addressPointer()).put(z, 0, n);
    return out;
  }

  private static INDArray store(INDArray out, double[] z, int n) {
    new DoublePointer(out.data().addressPointer()).put(z, 0, n);
    return out;
  }

  // ---------------------------------------------------------------- binary, NumPy broadcasting of equal ranks

  /** a op b, equal ranks, broadcasting along size-1 dims (ND4J's rule); null when not applicable. */
  static INDArray binary(Binary op, INDArray a, INDArray b) {
    if (!ON || a.dataType() != b.dataType() || a.rank() != b.rank() || !fits(a) || !fits(b)) {
      return null;
    }
    long[] as = a.shape();
    long[] bs = b.shape();
    int r = as.length;
    long[] shape = new long[r];
    long total = 1;
    for (int d = 0; d < r; d++) {
      if (as[d] != bs[d] && as[d] != 1 && bs[d] != 1) {
        return null; // ND4J reports the mismatch
      }
      shape[d] = Math.max(as[d], bs[d]);
      total *= shape[d];
    }
    if (total > MAX_LENGTH) {
      return null;
    }
    int n = (int) total;
    int na = (int) a.length();
    int nb = (int) b.length();
    INDArray out = Nd4j.createUninitialized(a.dataType(), shape);
    boolean same = na == n && nb == n;
    Walk w = same ? null : new Walk(shape, as, bs);
    if (a.dataType() == DataType.FLOAT) {
      float[] x = floats(a, na, 0);
      float[] y = floats(b, nb, 1);
      float[] z = scratchF(2, n);
      if (same) {
        binaryF(op, x, 0, 1, y, 0, 1, z, 0, n);
      } else {
        for (int o = 0, base = 0; o < w.outer; o++, base += w.inner) {
          binaryF(op, x, w.offA, w.innerA, y, w.offB, w.innerB, z, base, w.inner);
          w.next();
        }
      }
      return store(out, z, n);
    }
    double[] x = doubles(a, na, 0);
    double[] y = doubles(b, nb, 1);
    double[] z = scratchD(2, n);
    if (same) {
      binaryD(op, x, 0, 1, y, 0, 1, z, 0, n);
    } else {
      for (int o = 0, base = 0; o < w.outer; o++, base += w.inner) {
        binaryD(op, x, w.offA, w.innerA, y, w.offB, w.innerB, z, base, w.inner);
        w.next();
      }
    }
    return store(out, z, n);
  }

  // Walks the output's rows (all dims but the last) with each operand's offset; broadcast dims have stride 0.
  private static final class Walk {
    final long[] shape;
    final int[] strideA;
    final int[] strideB;
    final int[] idx;
    final int inner;
    final int innerA;
    final int innerB;
    final int outer;
    int offA;
    int offB;

    Walk(long[] shape, long[] as, long[] bs) {
      int r = shape.length;
      this.shape = shape;
      strideA = strides(as, shape);
      strideB = strides(bs, shape);
      idx = new int[Math.max(r - 1, 0)];
      inner = r == 0 ? 1 : (int) shape[r - 1];
      innerA = r == 0 ? 0 : strideA[r - 1];
      innerB = r == 0 ? 0 : strideB[r - 1];
      long o = 1;
      for (int d = 0; d + 1 < r; d++) {
        o *= shape[d];
      }
      outer = (int) o;
    }

    private static int[] strides(long[] s, long[] out) {
      int[] st = new int[s.length];
      int acc = 1;
      for (int d = s.length - 1; d >= 0; d--) {
        st[d] = s[d] == 1 && out[d] != 1 ? 0 : acc;
        acc *= (int) s[d];
      }
      return st;
    }

    void next() {
      for (int d = idx.length - 1; d >= 0; d--) {
        idx[d]++;
        offA += strideA[d];
        offB += strideB[d];
        if (idx[d] < shape[d]) {
          return;
        }
        offA -= strideA[d] * (int) shape[d];
        offB -= strideB[d] * (int) shape[d];
        idx[d] = 0;
      }
    }
  }

  private static void binaryF(Binary op, float[] x, int xo, int xs, float[] y, int yo, int ys, float[] z, int zo,
      int n) {
    if (xs == 1 && ys == 1) { // unit strides: loops the JIT vectorises
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] + y[yo + i];
          }
        }
        case SUB -> {
          for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] - y[yo + i];
          }
        }
        case MUL -> {
          for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] * y[yo + i];
          }
        }
        case DIV -> {
          for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] / y[yo + i];
          }
        }
      }
      return;
    }
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] + y[yo + i * ys];
        }
      }
      case SUB -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] - y[yo + i * ys];
        }
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] * y[yo + i * ys];
        }
      }
      case DIV -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] / y[yo + i * ys];
        }
      }
    }
  }

  private static void binaryD(Binary op, double[] x, int xo, int xs, double[] y, int yo, int ys,
      double[] z, int zo, int n) {
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] + y[yo + i * ys];
        }
      }
      case SUB -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] - y[yo + i * ys];
        }
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] * y[yo + i * ys];
        }
      }
      case DIV -> {
        for (int i = 0; i < n; i++) {
          z[zo + i] = x[xo + i * xs] / y[yo + i * ys];
        }
      }
    }
  }

  // ---------------------------------------------------------------- with a scalar, a + c·b, unary

  /** x op c, c rounded to x's type first (as ND4J's scalar ops); null when not applicable. */
  static INDArray withScalar(WithScalar op, INDArray x, double c) {
    if (!ON || !fits(x)) {
      return null;
    }
    int n = (int) x.length();
    INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
    if (x.dataType() == DataType.FLOAT) {
      float[] v = floats(x, n, 0);
      float[] z = scratchF(2, n);
      float k = (float) c;
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) {
            z[i] = v[i] + k;
          }
        }
        case MUL -> {
          for (int i = 0; i < n; i++) {
            z[i] = v[i] * k;
          }
        }
        case RSUB -> {
          for (int i = 0; i < n; i++) {
            z[i] = k - v[i];
          }
        }
      }
      return store(out, z, n);
    }
    double[] v = doubles(x, n, 0);
    double[] z = scratchD(2, n);
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          z[i] = v[i] + c;
        }
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          z[i] = v[i] * c;
        }
      }
      case RSUB -> {
        for (int i = 0; i < n; i++) {
          z[i] = c - v[i];
        }
      }
    }
    return store(out, z, n);
  }

  /** (b · c) + a, each rounded (ND4J's {@code b.mul(c).addi(a)}); same shapes; null when not applicable. */
  static INDArray addScaled(INDArray a, INDArray b, double c) {
    if (!ON || a.dataType() != b.dataType() || !fits(a) || !fits(b) || !java.util.Arrays.equals(a.shape(), b.shape())) {
      return null;
    }
    int n = (int) a.length();
    INDArray out = Nd4j.createUninitialized(a.dataType(), a.shape());
    if (a.dataType() == DataType.FLOAT) {
      float[] x = floats(a, n, 0);
      float[] y = floats(b, n, 1);
      float[] z = scratchF(2, n);
      float k = (float) c;
      for (int i = 0; i < n; i++) {
        float t = y[i] * k;
        z[i] = t + x[i];
      }
      return store(out, z, n);
    }
    double[] x = doubles(a, n, 0);
    double[] y = doubles(b, n, 1);
    double[] z = scratchD(2, n);
    for (int i = 0; i < n; i++) {
      double t = y[i] * c;
      z[i] = t + x[i];
    }
    return store(out, z, n);
  }

  /** neg, relu and step; null for the other unary ops (their libm results are ND4J's own) or when not applicable. */
  static INDArray unary(Unary op, INDArray x) {
    if (!ON || (op != Unary.NEG && op != Unary.RELU && op != Unary.STEP) || !fits(x)) {
      return null;
    }
    int n = (int) x.length();
    INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
    if (x.dataType() == DataType.FLOAT) {
      float[] v = floats(x, n, 0);
      float[] z = scratchF(2, n);
      switch (op) {
        case NEG -> {
          for (int i = 0; i < n; i++) {
            z[i] = -v[i];
          }
        }
        case RELU -> {
          for (int i = 0; i < n; i++) {
            float e = v[i];
            z[i] = e < 0f ? 0f : e; // keeps −0 and NaN, as ND4J's relu
          }
        }
        default -> {
          for (int i = 0; i < n; i++) {
            z[i] = v[i] > 0f ? 1f : 0f;
          }
        }
      }
      return store(out, z, n);
    }
    double[] v = doubles(x, n, 0);
    double[] z = scratchD(2, n);
    switch (op) {
      case NEG -> {
        for (int i = 0; i < n; i++) {
          z[i] = -v[i];
        }
      }
      case RELU -> {
        for (int i = 0; i < n; i++) {
          double e = v[i];
          z[i] = e < 0.0 ? 0.0 : e;
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          z[i] = v[i] > 0.0 ? 1.0 : 0.0;
        }
      }
    }
    return store(out, z, n);
  }

  // ---------------------------------------------------------------- broadcast copies

  /**
   * src (same rank as shape, size-1 dims broadcast) materialised at shape: an exact copy when the
   * broadcast only repeats src along leading dims ({@link Kernels#repeatLeading}'s case), else
   * {@code 0 + src} per element (ND4J's {@code zeros().addi(src)}); null when not applicable.
   */
  static INDArray broadcastTo(INDArray src, long[] shape, boolean exactCopy) {
    if (!ON || src.rank() != shape.length || !fits(src)) {
      return null;
    }
    long total = 1;
    for (long d : shape) {
      total *= d;
    }
    if (total > MAX_LENGTH || total == 0) {
      return null;
    }
    int n = (int) total;
    int ns = (int) src.length();
    long[] ss = src.shape();
    INDArray out = Nd4j.createUninitialized(src.dataType(), shape);
    Walk w = new Walk(shape, ss, ss);
    if (src.dataType() == DataType.FLOAT) {
      float[] x = floats(src, ns, 0);
      float[] z = scratchF(2, n);
      for (int o = 0, base = 0; o < w.outer; o++, base += w.inner) {
        int xo = w.offA;
        int xs = w.innerA;
        if (exactCopy) {
          for (int i = 0; i < w.inner; i++) {
            z[base + i] = x[xo + i * xs];
          }
        } else {
          for (int i = 0; i < w.inner; i++) {
            z[base + i] = 0f + x[xo + i * xs];
          }
        }
        w.next();
      }
      return store(out, z, n);
    }
    double[] x = doubles(src, ns, 0);
    double[] z = scratchD(2, n);
    for (int o = 0, base = 0; o < w.outer; o++, base += w.inner) {
      int xo = w.offA;
      int xs = w.innerA;
      if (exactCopy) {
        for (int i = 0; i < w.inner; i++) {
          z[base + i] = x[xo + i * xs];
        }
      } else {
        for (int i = 0; i < w.inner; i++) {
          z[base + i] = 0.0 + x[xo + i * xs];
        }
      }
      w.next();
    }
    return store(out, z, n);
  }
}
