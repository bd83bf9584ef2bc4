package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.bml.core.autodiff.ArrayBackend.Binary;
import org.bml.core.autodiff.ArrayBackend.Unary;
import org.bml.core.autodiff.ArrayBackend.WithScalar;
import org.bml.core.check.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The contract every {@link ArrayBackend} meets, Hipparchus style: one abstract base, one thin
 * subclass per backend ({@code Nd4jBackendContractTest} here, {@code TorchBackendContractTest}
 * in bml-torch). Each kernel is checked in float64 against a plain-Java loop written from its
 * javadoc (not against another backend, so a shared mistake cannot hide), to 1e-12 relative:
 * the kernels differ from the loops only by summation order. float32 keeps its dtype.
 */
public abstract class ArrayBackendContract {
  static final double TOL = 1e-12;

  /** The backend under test. */
  protected abstract ArrayBackend backend();

  private static INDArray u(long seed, long... shape) {
    return GradientCheck.uniform(seed, -1, 1, shape);
  }

  private static INDArray pos(long seed, long... shape) {
    return GradientCheck.uniform(seed, 0.5, 2, shape);
  }

  private static void close(INDArray want, INDArray got, String what) {
    assertArrayEquals(want.shape(), got.shape(), what + ": shape");
    assertEquals(want.dataType(), got.dataType(), what + ": dtype");
    double[] w = want.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] g = got.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    for (int i = 0; i < w.length; i++) {
      if (Double.isNaN(w[i])) {
        assertTrue(Double.isNaN(g[i]), what + " [" + i + "]: want NaN, got " + g[i]);
        continue;
      }
      double tol = TOL * Math.max(1, Math.abs(w[i]));
      assertTrue(Math.abs(w[i] - g[i]) <= tol, what + " [" + i + "]: want " + w[i] + ", got " + g[i]);
    }
  }

  private static INDArray map(INDArray x, DoubleUnaryOperator f) {
    INDArray r = x.dup('c');
    for (long i = 0; i < r.length(); i++) {
      r.putScalar(i, f.applyAsDouble(r.getDouble(i)));
    }
    return r;
  }

  /** Index of the element of an array of shape `of` that broadcasts to flat index i of `to`. */
  private static long broadcastIndex(long i, long[] to, long[] of) {
    long idx = 0;
    long stride = 1;
    int pad = to.length - of.length;
    for (int d = to.length - 1; d >= 0; d--) {
      long coord = i % to[d];
      i /= to[d];
      if (d >= pad) {
        long n = of[d - pad];
        idx += (n == 1 ? 0 : coord) * stride;
        stride *= n;
      }
    }
    return idx;
  }

  private static INDArray zip(INDArray a, INDArray b, DoubleBinaryOperator f) {
    long[] shape = new long[a.rank()];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = Math.max(a.size(d), b.size(d));
    }
    INDArray r = Nd4j.create(a.dataType(), shape);
    INDArray ac = a.dup('c');
    INDArray bc = b.dup('c');
    for (long i = 0; i < r.length(); i++) {
      r.putScalar(i, f.applyAsDouble(ac.getDouble(broadcastIndex(i, shape, a.shape())),
          bc.getDouble(broadcastIndex(i, shape, b.shape()))));
    }
    return r;
  }

  @Test
  void unaryKernelsMatchTheirDefinitions() {
    INDArray x = u(1, 3, 4).muli(2);
    INDArray p = pos(2, 3, 4);
    ArrayBackend b = backend();
    close(map(x, v -> -v), b.unary(Unary.NEG, x), "neg");
    close(map(x, Math::exp), b.unary(Unary.EXP, x), "exp");
    close(map(p, Math::log), b.unary(Unary.LOG, p), "log");
    close(map(p, Math::log1p), b.unary(Unary.LOG1P, p), "log1p");
    close(map(p, Math::sqrt), b.unary(Unary.SQRT, p), "sqrt");
    close(map(x, Math::tanh), b.unary(Unary.TANH, x), "tanh");
    close(map(x, v -> Math.max(v, 0)), b.unary(Unary.RELU, x), "relu");
    close(map(x, v -> v > 0 ? 1 : 0), b.unary(Unary.STEP, x), "step");
    close(map(x, v -> 1 / (1 + Math.exp(-v))), b.unary(Unary.SIGMOID, x), "sigmoid");
    INDArray wide = Nd4j.createFromArray(-30.0, -3, 0, 3, 25, 40);
    close(map(wide, v -> Math.log(1 + Math.exp(v))), b.unary(Unary.SOFTPLUS, wide), "softplus");
  }

  @Test
  void powWithConstantExponents() {
    INDArray p = pos(3, 2, 5);
    for (double e : new double[] {2, 0.5, -1.5, 3}) {
      close(map(p, v -> Math.pow(v, e)), backend().pow(p, e), "pow " + e);
    }
  }

  @Test
  void binaryKernelsBroadcastAlongSizeOneDimensions() {
    INDArray a = u(4, 2, 3, 4);
    INDArray away = GradientCheck.uniformAwayFromZero(5, 0.5, 1.5, 2, 1, 4);
    INDArray row = u(6, 1, 3, 1);
    ArrayBackend b = backend();
    close(zip(a, away, Double::sum), b.binary(Binary.ADD, a, away), "add");
    close(zip(a, row, (x, y) -> x - y), b.binary(Binary.SUB, a, row), "sub");
    close(zip(row, a, (x, y) -> x - y), b.binary(Binary.SUB, row, a), "sub, broadcast left");
    close(zip(a, row, (x, y) -> x * y), b.binary(Binary.MUL, a, row), "mul");
    close(zip(a, away, (x, y) -> x / y), b.binary(Binary.DIV, a, away), "div");
    close(zip(a, a, (x, y) -> x * y), b.binary(Binary.MUL, a, a), "mul, same shape");
  }

  @Test
  void scalarKernelsAndAddScaledPropagateNaN() {
    INDArray x = u(7, 3, 2);
    INDArray y = u(8, 3, 2);
    ArrayBackend b = backend();
    close(map(x, v -> v + 0.25), b.withScalar(WithScalar.ADD, x, 0.25), "add scalar");
    close(map(x, v -> v * -3), b.withScalar(WithScalar.MUL, x, -3), "mul scalar");
    close(map(x, v -> 2 - v), b.withScalar(WithScalar.RSUB, x, 2), "rsub scalar");
    close(zip(x, y, (p, q) -> p + 0.5 * q), b.addScaled(x, y, 0.5), "addScaled");
    for (WithScalar op : WithScalar.values()) {
      close(map(x, v -> Double.NaN), b.withScalar(op, x, Double.NaN), op + " NaN");
    }
    close(map(x, v -> Double.NaN), b.addScaled(x, y, Double.NaN), "addScaled NaN");
  }

  @Test
  void reductionsOverAxesWithAndWithoutKeptDimensions() {
    INDArray x = u(9, 2, 3, 4);
    ArrayBackend b = backend();
    for (int[] axes : new int[][] {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}}) {
      for (boolean keep : new boolean[] {true, false}) {
        String what = java.util.Arrays.toString(axes) + (keep ? " kept" : "");
        close(x.sum(keep, axes), b.sum(x, keep, axes), "sum " + what);
        close(x.max(keep, axes), b.max(x, keep, axes), "max " + what);
      }
    }
    // the definition itself, once, independent of ND4J's reductions
    INDArray s = b.sum(x, false, 0, 2);
    INDArray m = b.max(x, true, 1);
    for (int j = 0; j < 3; j++) {
      double acc = 0;
      for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 4; k++) {
          acc += x.getDouble(i, j, k);
        }
      }
      assertEquals(acc, s.getDouble(j), 1e-14, "sum over 0, 2");
    }
    for (int i = 0; i < 2; i++) {
      for (int k = 0; k < 4; k++) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < 3; j++) {
          mx = Math.max(mx, x.getDouble(i, j, k));
        }
        assertEquals(mx, m.getDouble(i, 0, k), 0.0, "max over 1");
      }
    }
  }

  @Test
  void equalMaskBroadcastSelectAndGather() {
    ArrayBackend b = backend();
    INDArray a = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
    INDArray c = Nd4j.createFromArray(new double[][] {{1, 0, 3}, {0, 5, 0}});
    close(Nd4j.createFromArray(new double[][] {{1, 0, 1}, {0, 1, 0}}), b.equalMask(a, c), "equalMask");
    INDArray v = u(10, 3, 1);
    INDArray want = Nd4j.create(DataType.DOUBLE, 2, 3, 4);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          want.putScalar(new int[] {i, j, k}, v.getDouble(j, 0));
        }
      }
    }
    close(want, b.broadcastTo(v, new long[] {2, 3, 4}), "broadcastTo");
    INDArray cond = Nd4j.createFromArray(new boolean[][] {{true, false, true}, {false, false, true}});
    INDArray bc = b.broadcastTo(Nd4j.createFromArray(new boolean[] {true, false, true}).reshape(1, 3), new long[] {2, 3});
    assertEquals(DataType.BOOL, bc.dataType(), "broadcastTo keeps BOOL");
    assertTrue(bc.getDouble(1, 0) == 1 && bc.getDouble(1, 1) == 0, "broadcastTo BOOL values");
    close(Nd4j.createFromArray(new double[][] {{1, 0, 3}, {0, 5, 6}}), b.select(cond, a, c), "select");
    INDArray rows = u(11, 5, 3);
    INDArray g = b.gather0(rows, new int[] {4, 0, 4, 2});
    INDArray gw = Nd4j.vstack(rows.getRow(4).reshape(1, 3), rows.getRow(0).reshape(1, 3), rows.getRow(4).reshape(1, 3),
        rows.getRow(2).reshape(1, 3));
    close(gw, g, "gather0");
  }

  private static INDArray naiveMatmul(INDArray a, INDArray b, boolean ta, boolean tb) {
    boolean batched = a.rank() == 3;
    INDArray a3 = batched ? a : a.reshape(1, a.size(0), a.size(1));
    INDArray b3 = batched ? b : b.reshape(1, b.size(0), b.size(1));
    long n = a3.size(0);
    long rows = ta ? a3.size(2) : a3.size(1);
    long inner = ta ? a3.size(1) : a3.size(2);
    long cols = tb ? b3.size(1) : b3.size(2);
    INDArray r = Nd4j.create(a.dataType(), n, rows, cols);
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          double acc = 0;
          for (int k = 0; k < inner; k++) {
            acc += (ta ? a3.getDouble(t, k, i) : a3.getDouble(t, i, k)) * (tb ? b3.getDouble(t, j, k) : b3.getDouble(t, k, j));
          }
          r.putScalar(new int[] {t, i, j}, acc);
        }
      }
    }
    return batched ? r : r.reshape(rows, cols);
  }

  @Test
  void matmulInEveryTranspositionTwoAndThreeDimensional() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        INDArray a = ta ? u(12, 4, 3) : u(12, 3, 4);
        INDArray bm = tb ? u(13, 5, 4) : u(13, 4, 5);
        close(naiveMatmul(a, bm, ta, tb), backend().matmul(a, bm, ta, tb), "matmul " + ta + tb);
        INDArray a3 = ta ? u(14, 2, 4, 3) : u(14, 2, 3, 4);
        INDArray b3 = tb ? u(15, 2, 5, 4) : u(15, 2, 4, 5);
        close(naiveMatmul(a3, b3, ta, tb), backend().matmul(a3, b3, ta, tb), "batched matmul " + ta + tb);
      }
    }
  }

  @Test
  void matrixInverseTimesMatrixIsIdentity() {
    INDArray m = u(16, 2, 3, 3).addi(Nd4j.eye(3).reshape(1, 3, 3).mul(3));
    INDArray inv = backend().matrixInverse(m);
    close(Nd4j.eye(3).reshape(1, 3, 3).repeat(0, 2).castTo(DataType.DOUBLE), naiveMatmul(m, inv, false, false), "m · m⁻¹");
    INDArray m2 = m.slice(1).dup('c');
    close(inv.slice(1).dup('c'), backend().matrixInverse(m2), "2-D inverse");
  }

  private static double at(INDArray x, int n, int c, int i, int j) {
    return i < 0 || j < 0 || i >= x.size(2) || j >= x.size(3) ? 0 : x.getDouble(n, c, i, j);
  }

  private static INDArray naiveConv(INDArray x, INDArray w, int s, int p) {
    long n = x.size(0);
    long o = w.size(0);
    long c = w.size(1);
    long k = w.size(2);
    long h = (x.size(2) + 2 * p - k) / s + 1;
    long wd = (x.size(3) + 2 * p - k) / s + 1;
    INDArray r = Nd4j.create(x.dataType(), n, o, h, wd);
    for (int a = 0; a < n; a++) {
      for (int q = 0; q < o; q++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < wd; j++) {
            double acc = 0;
            for (int ch = 0; ch < c; ch++) {
              for (int di = 0; di < k; di++) {
                for (int dj = 0; dj < k; dj++) {
                  acc += at(x, a, ch, i * s - p + di, j * s - p + dj) * w.getDouble(q, ch, di, dj);
                }
              }
            }
            r.putScalar(new int[] {a, q, i, j}, acc);
          }
        }
      }
    }
    return r;
  }

  /** ∂⟨conv(x, w), g⟩/∂x and /∂w by scattering every product of the forward loop. */
  private static INDArray[] naiveConvGrads(INDArray x, INDArray w, INDArray g, int s, int p) {
    INDArray gx = Nd4j.zeros(x.dataType(), x.shape());
    INDArray gw = Nd4j.zeros(w.dataType(), w.shape());
    long k = w.size(2);
    for (int a = 0; a < g.size(0); a++) {
      for (int q = 0; q < g.size(1); q++) {
        for (int i = 0; i < g.size(2); i++) {
          for (int j = 0; j < g.size(3); j++) {
            double gv = g.getDouble(a, q, i, j);
            for (int ch = 0; ch < w.size(1); ch++) {
              for (int di = 0; di < k; di++) {
                for (int dj = 0; dj < k; dj++) {
                  int xi = i * s - p + di;
                  int xj = j * s - p + dj;
                  if (xi < 0 || xj < 0 || xi >= x.size(2) || xj >= x.size(3)) {
                    continue;
                  }
                  int[] xc = {a, ch, xi, xj};
                  int[] wc = {q, ch, di, dj};
                  gx.putScalar(xc, gx.getDouble(xc) + gv * w.getDouble(wc));
                  gw.putScalar(wc, gw.getDouble(wc) + gv * x.getDouble(xc));
                }
              }
            }
          }
        }
      }
    }
    return new INDArray[] {gx, gw};
  }

  @Test
  void convolutionAndItsTwoAdjoints() {
    // (size, kernel, stride, pad): same-size, strided with a dropped last row/column, padded strided
    int[][] cases = {{6, 3, 1, 1}, {7, 2, 2, 0}, {8, 3, 2, 1}};
    for (int[] cs : cases) {
      int size = cs[0];
      int k = cs[1];
      int s = cs[2];
      int p = cs[3];
      String what = "size " + size + " k " + k + " stride " + s + " pad " + p;
      INDArray x = u(17 + size, 2, 3, size, size);
      INDArray w = u(18 + size, 4, 3, k, k);
      INDArray want = naiveConv(x, w, s, p);
      INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, want.shape());
      backend().conv2d(x, w, out, s, p);
      close(want, out, "conv2d " + what);
      INDArray g = u(19 + size, want.shape());
      INDArray[] grads = naiveConvGrads(x, w, g, s, p);
      INDArray gx = Nd4j.createUninitialized(DataType.DOUBLE, x.shape());
      backend().conv2dInputGrad(g, w, gx, s, p);
      close(grads[0], gx, "conv2dInputGrad " + what);
      INDArray gw = Nd4j.createUninitialized(DataType.DOUBLE, w.shape());
      backend().conv2dWeightGrad(x, g, gw, s, p);
      close(grads[1], gw, "conv2dWeightGrad " + what);
    }
  }

  @Test
  void poolingForwardRouteAndWindowSums() {
    INDArray x = GradientCheck.distinct(20, 0.1, 2, 2, 3, 4, 6);
    INDArray g = u(21, 2, 3, 2, 3);
    INDArray max = Nd4j.create(DataType.DOUBLE, 2, 3, 2, 3);
    INDArray sum = Nd4j.create(DataType.DOUBLE, 2, 3, 2, 3);
    INDArray route = Nd4j.zeros(DataType.DOUBLE, 2, 3, 4, 6);
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 3; j++) {
            double best = Double.NEGATIVE_INFINITY;
            double acc = 0;
            int bi = 0;
            int bj = 0;
            for (int di = 0; di < 2; di++) {
              for (int dj = 0; dj < 2; dj++) {
                double v = x.getDouble(n, c, 2 * i + di, 2 * j + dj);
                acc += v;
                if (v > best) {
                  best = v;
                  bi = 2 * i + di;
                  bj = 2 * j + dj;
                }
              }
            }
            max.putScalar(new int[] {n, c, i, j}, best);
            sum.putScalar(new int[] {n, c, i, j}, acc);
            route.putScalar(new int[] {n, c, bi, bj}, g.getDouble(n, c, i, j));
          }
        }
      }
    }
    close(max, backend().maxPool2x2(x), "maxPool2x2");
    close(route, backend().maxPool2x2Route(x, g), "maxPool2x2Route");
    close(sum, backend().sumPool2x2(x), "sumPool2x2");
  }

  @Test
  void float32StaysFloat32AndInputsStayUnchanged() {
    INDArray x = u(22, 3, 4).castTo(DataType.FLOAT);
    INDArray y = u(23, 4, 2).castTo(DataType.FLOAT);
    INDArray x0 = x.dup();
    ArrayBackend b = backend();
    assertEquals(DataType.FLOAT, b.unary(Unary.TANH, x).dataType());
    assertEquals(DataType.FLOAT, b.withScalar(WithScalar.MUL, x, 0.5).dataType());
    assertEquals(DataType.FLOAT, b.sum(x, false, 1).dataType());
    INDArray mm = b.matmul(x, y, false, false);
    assertEquals(DataType.FLOAT, mm.dataType());
    INDArray want = naiveMatmul(x.castTo(DataType.DOUBLE), y.castTo(DataType.DOUBLE), false, false);
    double err = want.sub(mm.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    assertTrue(err < 1e-6, "float32 matmul error " + err);
    assertEquals(x0, x, "inputs unchanged");
  }

  @Test
  void viewsAndFortranOrderInputsAreReadAsTheirValues() {
    INDArray base = u(24, 4, 5);
    INDArray t = base.transpose(); // a view, F order
    INDArray slice = base.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
        org.nd4j.linalg.indexing.NDArrayIndex.all()); // a view with an offset
    close(map(t.dup('c'), Math::tanh), backend().unary(Unary.TANH, t), "transposed view");
    close(map(slice.dup('c'), v -> v * 2), backend().withScalar(WithScalar.MUL, slice, 2), "offset view");
    INDArray perm = u(26, 2, 3, 4).permute(2, 0, 1); // strided, yet offset 0 and a full buffer
    close(map(perm.dup('c'), Math::exp), backend().unary(Unary.EXP, perm), "permuted view");
    close(perm.dup('c').sum(false, 0), backend().sum(perm, false, 0), "permuted view, sum");
    INDArray f = Nd4j.create(DataType.DOUBLE, new long[] {3, 4}, 'f').assign(u(25, 3, 4));
    close(naiveMatmul(f, base, false, false), backend().matmul(f, base, false, false), "F-order matmul");
  }

  @Test
  void describesItself() {
    ArrayBackend b = backend();
    assertFalse(b.name().isBlank());
    assertFalse(b.version().isBlank());
    assertEquals(Device.parse(System.getProperty("bml.device", "cpu")), b.device(), "the device asked for");
  }
}
