package org.bml.core.autodiff;

import java.util.Arrays;
import java.util.List;
import static org.bml.core.autodiff.ArrayBackend.Binary.ADD;
import static org.bml.core.autodiff.ArrayBackend.Binary.DIV;
import static org.bml.core.autodiff.ArrayBackend.Binary.MUL;
import static org.bml.core.autodiff.ArrayBackend.Binary.SUB;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.bml.core.autodiff.ArrayBackend.Unary;

/**
 * The differentiable ops. Each computes its value eagerly with ND4J and, under grad mode when an
 * input requires a gradient, records a backward rule written with these same ops, so every
 * derivative is itself differentiable. Composite ops (losses, batch-norm, distances, pooling) are
 * compositions and inherit exactness from their parts.
 *
 * <p>Shapes follow NumPy broadcasting for element-wise binary ops. Mixed dtypes are an error.
 * Axes may be negative (counted from the end).
 */
public final class Ops {
  private Ops() {}

  // ---------------------------------------------------------------- recording

  // The array kernels of the selected backend.
  private static ArrayBackend K() {
    return Backends.current();
  }

  static Tensor record(String op, INDArray value, Tensor[] inputs, BackwardFn backward) {
    if (Anomaly.isOn()) {
      Anomaly.check("op '" + op + "'", value, inputs);
    }
    if (GradMode.isEnabled()) {
      for (Tensor in : inputs) {
        if (in.requiresGrad()) {
          return new Tensor(value, true, new Node(op, inputs, backward), null);
        }
      }
    }
    return Tensor.constant(value);
  }

  private static Tensor[] grads(Tensor... g) {
    return g;
  }

  static void checkSameDtype(String op, Tensor a, Tensor b) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException("op '" + op + "': dtype mismatch " + a.dtype() + " vs " + b.dtype()
          + " (shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()) + ")");
    }
  }

  static void checkSameShape(String op, Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException("op '" + op + "': shapes " + Arrays.toString(a.shape()) + " and "
          + Arrays.toString(b.shape()) + " differ");
    }
    checkSameDtype(op, a, b);
  }

  /** A constant of x's dtype holding value c (a scalar, shape []). */
  public static Tensor scalar(double c, DataType dtype) {
    return Tensor.constant(Nd4j.scalar(dtype, c));
  }

  // ---------------------------------------------------------------- element-wise binary (broadcasting)

  public static Tensor add(Tensor a, Tensor b) {
    checkSameDtype("add", a, b);
    long[] shape = Nd.broadcastShape("add", a.shape(), b.shape());
    INDArray v = sameShape(a, b) ? K().binary(ADD, a.value(), b.value()) : K().binary(ADD, bcast(a, shape), bcast(b, shape));
    return record("add", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? sumTo(g, a.shape()) : null,
        need[1] ? sumTo(g, b.shape()) : null));
  }

  public static Tensor sub(Tensor a, Tensor b) {
    checkSameDtype("sub", a, b);
    long[] shape = Nd.broadcastShape("sub", a.shape(), b.shape());
    INDArray v = sameShape(a, b) ? K().binary(SUB, a.value(), b.value()) : K().binary(SUB, bcast(a, shape), bcast(b, shape));
    return record("sub", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? sumTo(g, a.shape()) : null,
        need[1] ? neg(sumTo(g, b.shape())) : null));
  }

  public static Tensor mul(Tensor a, Tensor b) {
    checkSameDtype("mul", a, b);
    long[] shape = Nd.broadcastShape("mul", a.shape(), b.shape());
    INDArray v = sameShape(a, b) ? K().binary(MUL, a.value(), b.value()) : K().binary(MUL, bcast(a, shape), bcast(b, shape));
    return record("mul", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? sumTo(mul(g, b), a.shape()) : null,
        need[1] ? sumTo(mul(g, a), b.shape()) : null));
  }

  public static Tensor div(Tensor a, Tensor b) {
    checkSameDtype("div", a, b);
    long[] shape = Nd.broadcastShape("div", a.shape(), b.shape());
    INDArray v = sameShape(a, b) ? K().binary(DIV, a.value(), b.value()) : K().binary(DIV, bcast(a, shape), bcast(b, shape));
    return record("div", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? sumTo(div(g, b), a.shape()) : null,
        need[1] ? sumTo(neg(div(mul(g, out), b)), b.shape()) : null));
  }

  private static boolean sameShape(Tensor a, Tensor b) {
    return Arrays.equals(a.shape(), b.shape());
  }

  // ND4J broadcasts equal-rank arrays along size-1 dims; lower ranks are padded with leading 1s.
  private static INDArray bcast(Tensor t, long[] shape) {
    INDArray v = t.value();
    if (v.rank() == shape.length) {
      return v;
    }
    if (v.rank() == 0) {
      return Nd.broadcastTo(v, shape);
    }
    return v.reshape(Nd.padLeft(v.shape(), shape.length));
  }

  /** x + c for a constant c. */
  public static Tensor addScalar(Tensor x, double c) {
    return record("addScalar", K().withScalar(ArrayBackend.WithScalar.ADD, x.value(), c), new Tensor[] {x}, (g, out, need) -> grads(g));
  }

  /** c · x for a constant c. */
  public static Tensor mulScalar(Tensor x, double c) {
    return record("mulScalar", K().withScalar(ArrayBackend.WithScalar.MUL, x.value(), c), new Tensor[] {x}, (g, out, need) -> grads(mulScalar(g, c)));
  }

  /** a + c · b for a constant c, in one op (the update of a gradient step). */
  public static Tensor addScaled(Tensor a, Tensor b, double c) {
    checkSameShape("addScaled", a, b);
    INDArray v = K().addScaled(a.value(), b.value(), c);
    return record("addScaled", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? g : null,
        need[1] ? mulScalar(g, c) : null));
  }

  /** c - x for a constant c. */
  public static Tensor rsubScalar(Tensor x, double c) {
    return record("rsubScalar", K().withScalar(ArrayBackend.WithScalar.RSUB, x.value(), c), new Tensor[] {x}, (g, out, need) -> grads(neg(g)));
  }

  // ---------------------------------------------------------------- element-wise unary

  public static Tensor neg(Tensor x) {
    return record("neg", K().unary(Unary.NEG, x.value()), new Tensor[] {x}, (g, out, need) -> grads(neg(g)));
  }

  public static Tensor exp(Tensor x) {
    return record("exp", K().unary(Unary.EXP, x.value()), new Tensor[] {x}, (g, out, need) -> grads(mul(g, out)));
  }

  public static Tensor log(Tensor x) {
    return record("log", K().unary(Unary.LOG, x.value()), new Tensor[] {x}, (g, out, need) -> grads(div(g, x)));
  }

  public static Tensor log1p(Tensor x) {
    INDArray v = K().unary(Unary.LOG1P, x.value());
    return record("log1p", v, new Tensor[] {x}, (g, out, need) -> grads(div(g, addScalar(x, 1.0))));
  }

  public static Tensor sqrt(Tensor x) {
    return record("sqrt", K().unary(Unary.SQRT, x.value()), new Tensor[] {x},
        (g, out, need) -> grads(div(mulScalar(g, 0.5), out)));
  }

  public static Tensor square(Tensor x) {
    return record("square", K().binary(MUL, x.value(), x.value()), new Tensor[] {x},
        (g, out, need) -> grads(mul(g, mulScalar(x, 2.0))));
  }

  /** x^p for a constant exponent p. */
  public static Tensor pow(Tensor x, double p) {
    return record("pow", K().pow(x.value(), p), new Tensor[] {x},
        (g, out, need) -> grads(mul(g, mulScalar(pow(x, p - 1), p))));
  }

  public static Tensor tanh(Tensor x) {
    return record("tanh", K().unary(Unary.TANH, x.value()), new Tensor[] {x},
        (g, out, need) -> grads(mul(g, rsubScalar(square(out), 1.0))));
  }

  public static Tensor relu(Tensor x) {
    // The 0/1 mask is computed once, on first use, and shared by every backward application
    // (inner backward, its own backward, the outer backward): one cheap scalar op instead of a
    // relu_bp call each time.
    INDArray[] mask = new INDArray[1];
    return record("relu", K().unary(Unary.RELU, x.value()), new Tensor[] {x},
        (g, out, need) -> grads(positiveMask(g, x, mask)));
  }

  // g where x > 0, else 0: relu's backward. Linear in g and self-adjoint; zero derivative in x
  // (almost everywhere), so x is not an input of the node.
  private static Tensor positiveMask(Tensor g, Tensor x, INDArray[] mask) {
    if (mask[0] == null) {
      mask[0] = K().unary(Unary.STEP, x.value());
    }
    INDArray v = K().binary(MUL, g.value(), mask[0]);
    return record("reluGrad", v, new Tensor[] {g}, (h, out, need) -> grads(positiveMask(h, x, mask)));
  }

  public static Tensor sigmoid(Tensor x) {
    return record("sigmoid", K().unary(Unary.SIGMOID, x.value()), new Tensor[] {x},
        (g, out, need) -> grads(mul(g, mul(out, rsubScalar(out, 1.0)))));
  }

  /** log(1 + exp(x)). */
  public static Tensor softplus(Tensor x) {
    return record("softplus", K().unary(Unary.SOFTPLUS, x.value()), new Tensor[] {x},
        (g, out, need) -> grads(mul(g, sigmoid(x))));
  }

  // ---------------------------------------------------------------- reductions

  /** Sum over axes (all axes when none are given). */
  public static Tensor sum(Tensor x, boolean keepDims, int... axes) {
    int[] ax = Nd.normalizeAxes("sum", x.rank(), axes);
    INDArray v = K().sum(x.value(), keepDims, ax);
    long[] keep = Nd.keepDimsShape(x.shape(), ax);
    return record("sum", v, new Tensor[] {x},
        (g, out, need) -> grads(broadcastTo(keepDims ? g : reshape(g, keep), x.shape())));
  }

  /** Mean over axes (all axes when none are given). */
  public static Tensor mean(Tensor x, boolean keepDims, int... axes) {
    int[] ax = Nd.normalizeAxes("mean", x.rank(), axes);
    return mulScalar(sum(x, keepDims, ax), 1.0 / Nd.count(x.shape(), ax));
  }

  /**
   * Max over axes. The gradient goes to the maximal entries (split equally among ties), a
   * subgradient that is exact wherever the maximum is unique.
   */
  public static Tensor max(Tensor x, boolean keepDims, int... axes) {
    int[] ax = Nd.normalizeAxes("max", x.rank(), axes);
    INDArray v = K().max(x.value(), keepDims, ax);
    long[] keep = Nd.keepDimsShape(x.shape(), ax);
    // The routing weights depend on x only, so they are computed once and shared by every
    // backward application (max-pooling's backward runs three times in second-order MAML).
    INDArray[] shareCell = new INDArray[1];
    return record("max", v, new Tensor[] {x}, (g, out, need) -> {
      if (shareCell[0] == null) {
        INDArray m = K().equalMask(x.value(), Nd.broadcastTo(v.reshape(keep), x.shape()));
        shareCell[0] = K().binary(DIV, m, Nd.broadcastTo(K().sum(m, true, ax), x.shape()));
      }
      return grads(mul(broadcastTo(keepDims ? g : reshape(g, keep), x.shape()), Tensor.constant(shareCell[0])));
    });
  }

  /** log Σ exp(x) over one axis, stabilised by the (constant) maximum. */
  public static Tensor logSumExp(Tensor x, int axis, boolean keepDims) {
    Tensor m = Tensor.constant(K().max(x.value(), true, Nd.normalizeAxes("logSumExp", x.rank(), axis)));
    Tensor lse = add(log(sum(exp(sub(x, m)), true, axis)), m);
    return keepDims ? lse : reshape(lse, dropAxis(x.shape(), axis));
  }

  // ---------------------------------------------------------------- shape

  /** Reshape (one dimension may be -1). */
  public static Tensor reshape(Tensor x, long... shape) {
    if (Arrays.equals(x.shape(), shape)) {
      return x;
    }
    INDArray v;
    try {
      v = x.value().reshape('c', shape);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("op 'reshape': cannot reshape " + Arrays.toString(x.shape()) + " to "
          + Arrays.toString(shape), e);
    }
    long[] from = x.shape();
    return record("reshape", v, new Tensor[] {x}, (g, out, need) -> grads(reshape(g, from)));
  }

  /** Reorders dimensions: result dim i is x's dim dims[i]. */
  public static Tensor permute(Tensor x, int... dims) {
    if (dims.length != x.rank()) {
      throw new IllegalArgumentException("op 'permute': " + dims.length + " dims for rank " + x.rank());
    }
    int[] inverse = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      inverse[dims[i]] = i;
    }
    return record("permute", x.value().permute(dims), new Tensor[] {x},
        (g, out, need) -> grads(permute(g, inverse)));
  }

  /** Swaps two dimensions. */
  public static Tensor transpose(Tensor x, int a, int b) {
    int r = x.rank();
    int[] dims = new int[r];
    for (int i = 0; i < r; i++) {
      dims[i] = i;
    }
    a = a < 0 ? a + r : a;
    b = b < 0 ? b + r : b;
    dims[a] = b;
    dims[b] = a;
    return permute(x, dims);
  }

  /** Copies x along size-1 (or missing leading) dimensions to shape. */
  public static Tensor broadcastTo(Tensor x, long... shape) {
    // Compatible is not enough: [2,3] "broadcasts" with [3] but cannot be broadcast to it.
    if (!Arrays.equals(Nd.broadcastShape("broadcastTo", x.shape(), shape), shape)) {
      throw new IllegalArgumentException("op 'broadcastTo': cannot broadcast " + Arrays.toString(x.shape()) + " to "
          + Arrays.toString(shape));
    }
    if (Arrays.equals(x.shape(), shape)) {
      return x;
    }
    return record("broadcastTo", Nd.broadcastTo(x.value(), shape), new Tensor[] {x},
        (g, out, need) -> grads(sumTo(g, x.shape())));
  }

  /** Sums x over the dimensions along which shape would be broadcast to x's shape (adjoint of broadcastTo). */
  public static Tensor sumTo(Tensor x, long... shape) {
    if (Arrays.equals(x.shape(), shape)) {
      return x;
    }
    if (!Arrays.equals(Nd.broadcastShape("sumTo", shape, x.shape()), x.shape())) {
      throw new IllegalArgumentException("op 'sumTo': " + Arrays.toString(x.shape()) + " is not a broadcast of "
          + Arrays.toString(shape));
    }
    return record("sumTo", Nd.sumTo(x.value(), shape), new Tensor[] {x},
        (g, out, need) -> grads(broadcastTo(g, x.shape())));
  }

  /** Inserts a dimension of size 1 at axis. */
  public static Tensor unsqueeze(Tensor x, int axis) {
    long[] s = x.shape();
    int a = axis < 0 ? axis + s.length + 1 : axis;
    long[] n = new long[s.length + 1];
    for (int i = 0, j = 0; i < n.length; i++) {
      n[i] = i == a ? 1 : s[j++];
    }
    return reshape(x, n);
  }

  /** Repeats x along a new leading axis of size n (e.g. meta-parameters to T tasks). */
  public static Tensor expand(Tensor x, long n) {
    long[] s = x.shape();
    long[] t = new long[s.length + 1];
    t[0] = n;
    System.arraycopy(s, 0, t, 1, s.length);
    return broadcastTo(unsqueeze(x, 0), t);
  }

  public static Tensor concat(int axis, List<Tensor> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("op 'concat': no inputs");
    }
    Tensor first = parts.get(0);
    int r = first.rank();
    int ax = axis < 0 ? axis + r : axis;
    INDArray[] vals = new INDArray[parts.size()];
    long[] offsets = new long[parts.size() + 1];
    for (int i = 0; i < vals.length; i++) {
      Tensor p = parts.get(i);
      checkSameDtype("concat", first, p);
      if (p.rank() != r) {
        throw new IllegalArgumentException("op 'concat': input " + i + " has shape " + Arrays.toString(p.shape())
            + ", input 0 has " + Arrays.toString(first.shape()));
      }
      for (int d = 0; d < r; d++) {
        if (d != ax && p.size(d) != first.size(d)) {
          throw new IllegalArgumentException("op 'concat': input " + i + " has shape " + Arrays.toString(p.shape())
              + ", incompatible with " + Arrays.toString(first.shape()) + " along axis " + d);
        }
      }
      vals[i] = p.value();
      offsets[i + 1] = offsets[i] + p.size(ax);
    }
    Tensor[] inputs = parts.toArray(new Tensor[0]);
    return record("concat", Nd4j.concat(ax, vals), inputs, (g, out, need) -> {
      Tensor[] gs = new Tensor[inputs.length];
      for (int i = 0; i < gs.length; i++) {
        gs[i] = need[i] ? slice(g, ax, offsets[i], offsets[i + 1]) : null;
      }
      return gs;
    });
  }

  /** Stacks equal-shape tensors along a new axis. */
  public static Tensor stack(int axis, List<Tensor> parts) {
    return concat(axis, parts.stream().map(p -> unsqueeze(p, axis)).toList());
  }

  /** Elements [from, to) of x along axis. */
  public static Tensor slice(Tensor x, int axis, long from, long to) {
    int ax = axis < 0 ? axis + x.rank() : axis;
    if (from < 0 || to > x.size(ax) || from >= to) {
      throw new IllegalArgumentException("op 'slice': range [" + from + ", " + to + ") out of bounds for axis " + ax
          + " of shape " + Arrays.toString(x.shape()));
    }
    INDArray v = x.value().get(sliceIndex(x.rank(), ax, from, to));
    long[] full = x.shape();
    return record("slice", v, new Tensor[] {x}, (g, out, need) -> grads(unslice(g, full, ax, from)));
  }

  // Adjoint of slice: g placed at [from, from + len) along axis inside zeros of shape full.
  private static Tensor unslice(Tensor g, long[] full, int axis, long from) {
    INDArray z = Nd4j.zeros(g.dtype(), full);
    long to = from + g.size(axis);
    z.get(sliceIndex(full.length, axis, from, to)).assign(g.value());
    return record("unslice", z, new Tensor[] {g}, (h, out, need) -> grads(slice(h, axis, from, to)));
  }

  private static INDArrayIndex[] sliceIndex(int rank, int axis, long from, long to) {
    INDArrayIndex[] idx = new INDArrayIndex[rank];
    for (int i = 0; i < rank; i++) {
      idx[i] = i == axis ? NDArrayIndex.interval(from, to) : NDArrayIndex.all();
    }
    return idx;
  }

  /** Rows of x along axis at the given indices (repeats allowed). */
  public static Tensor gather(Tensor x, int axis, int[] indices) {
    int ax = axis < 0 ? axis + x.rank() : axis;
    for (int i : indices) {
      if (i < 0 || i >= x.size(ax)) {
        throw new IllegalArgumentException("op 'gather': index " + i + " out of bounds for axis " + ax
            + " of shape " + Arrays.toString(x.shape()));
      }
    }
    if (ax == 0) {
      return gather0(x, indices);
    }
    int[] toFront = moveAxisToFront(x.rank(), ax);
    int[] back = new int[toFront.length];
    for (int i = 0; i < toFront.length; i++) {
      back[toFront[i]] = i;
    }
    return permute(gather0(permute(x, toFront), indices), back);
  }

  private static int[] moveAxisToFront(int rank, int ax) {
    int[] p = new int[rank];
    p[0] = ax;
    for (int i = 0, j = 1; i < rank; i++) {
      if (i != ax) {
        p[j++] = i;
      }
    }
    return p;
  }

  private static Tensor gather0(Tensor x, int[] indices) {
    INDArray v = K().gather0(x.value(), indices);
    long rows = x.size(0);
    return record("gather", v, new Tensor[] {x}, (g, out, need) -> grads(scatterAdd0(g, indices, rows)));
  }

  // Adjoint of gather0: zeros with g's rows added at the indices (repeats accumulate).
  private static Tensor scatterAdd0(Tensor g, int[] indices, long rows) {
    long[] s = g.shape().clone();
    s[0] = rows;
    INDArray z = Nd4j.zeros(g.dtype(), s);
    for (int i = 0; i < indices.length; i++) {
      // Per-row adds keep repeated indices exact (scatter_add's handling of repeats is unspecified).
      z.slice(indices[i]).addi(g.value().slice(i));
    }
    return record("scatterAdd", z, new Tensor[] {g}, (h, out, need) -> grads(gather0(h, indices)));
  }

  /**
   * Element-wise choice: a where mask is non-zero, b elsewhere. The mask is a constant,
   * broadcast-compatible with a and b.
   */
  public static Tensor where(INDArray mask, Tensor a, Tensor b) {
    checkSameDtype("where", a, b);
    long[] shape = Nd.broadcastShape("where", Nd.broadcastShape("where", a.shape(), b.shape()), mask.shape());
    INDArray cond = Nd.broadcastTo(mask.castTo(DataType.BOOL), shape);
    INDArray v = K().select(cond, Nd.broadcastTo(a.value(), shape), Nd.broadcastTo(b.value(), shape));
    Tensor m = Tensor.constant(cond.castTo(a.dtype()));
    return record("where", v, new Tensor[] {a, b}, (g, out, need) -> grads(
        need[0] ? sumTo(mul(g, m), a.shape()) : null,
        need[1] ? sumTo(sub(g, mul(g, m)), b.shape()) : null));
  }

  /** x where mask is non-zero, 0 elsewhere (mask constant, broadcast-compatible). */
  public static Tensor mask(Tensor x, INDArray mask) {
    return mul(x, Tensor.constant(mask.castTo(x.dtype())));
  }

  // ---------------------------------------------------------------- linear algebra

  public static Tensor matmul(Tensor a, Tensor b) {
    return matmul(a, b, false, false);
  }

  /**
   * op(a) · op(b), op = transpose of the last two dims when the flag is set. Both 2-D, or both
   * 3-D with equal leading (batch) size: a batched product, one matrix product per batch entry.
   */
  public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
    checkSameDtype("matmul", a, b);
    int r = a.rank();
    if (r != b.rank() || (r != 2 && r != 3)) {
      throw new IllegalArgumentException("op 'matmul': needs two 2-D or two 3-D tensors, got shapes "
          + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
    }
    long ka = transA ? a.size(r - 2) : a.size(r - 1);
    long kb = transB ? b.size(r - 1) : b.size(r - 2);
    if (ka != kb || (r == 3 && a.size(0) != b.size(0))) {
      throw new IllegalArgumentException("op 'matmul': shapes " + Arrays.toString(a.shape())
          + (transA ? "ᵀ" : "") + " and " + Arrays.toString(b.shape()) + (transB ? "ᵀ" : "") + " do not multiply");
    }
    INDArray v = K().matmul(a.value(), b.value(), transA, transB);
    return record("matmul", v, new Tensor[] {a, b}, (g, out, need) -> {
      Tensor ga = null;
      Tensor gb = null;
      if (!transA && !transB) {
        ga = need[0] ? matmul(g, b, false, true) : null;
        gb = need[1] ? matmul(a, g, true, false) : null;
      } else if (transA && !transB) {
        ga = need[0] ? matmul(b, g, false, true) : null;
        gb = need[1] ? matmul(a, g, false, false) : null;
      } else if (!transA) {
        ga = need[0] ? matmul(g, b, false, false) : null;
        gb = need[1] ? matmul(g, a, true, false) : null;
      } else {
        ga = need[0] ? matmul(b, g, true, true) : null;
        gb = need[1] ? matmul(g, a, true, true) : null;
      }
      return grads(ga, gb);
    });
  }

  /**
   * x · W + b over a task-batched input, in one op: x {@code [T, n, in]} with W {@code [in, out]}
   * (shared by all tasks) or {@code [T, in, out]} (per task), b {@code [out]}, {@code [T, out]}
   * or null. Returns {@code [T, n, out]}.
   */
  public static Tensor linear(Tensor x, Tensor w, Tensor b) {
    checkSameDtype("linear", x, w);
    if (x.rank() != 3 || (w.rank() != 2 && w.rank() != 3) || x.size(2) != w.size(-2)
        || (w.rank() == 3 && w.size(0) != x.size(0))) {
      throw new IllegalArgumentException("op 'linear': input " + Arrays.toString(x.shape()) + " and weights "
          + Arrays.toString(w.shape()) + " do not match (need [T, n, in] with [in, out] or [T, in, out])");
    }
    long t = x.size(0);
    long n = x.size(1);
    long outDim = w.size(-1);
    if (b != null) {
      checkSameDtype("linear", x, b);
      boolean shared = b.rank() == 1 && b.size(0) == outDim;
      boolean perTask = b.rank() == 2 && b.size(0) == t && b.size(1) == outDim;
      if (!shared && !perTask) {
        throw new IllegalArgumentException("op 'linear': bias " + Arrays.toString(b.shape()) + " must be [" + outDim
            + "] or [" + t + ", " + outDim + "]");
      }
    }
    INDArray v = w.rank() == 2
        ? K().matmul(x.value().reshape(t * n, x.size(2)), w.value(), false, false).reshape(t, n, outDim)
        : K().matmul(x.value(), w.value(), false, false);
    if (b != null) {
      v = K().binary(ADD, v, b.rank() == 1 ? b.value().reshape(1, 1, outDim) : b.value().reshape(t, 1, outDim));
    }
    Tensor[] inputs = b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b};
    return record("linear", v, inputs, (g, out, need) -> {
      Tensor gx = null;
      Tensor gw = null;
      Tensor gb = null;
      if (w.rank() == 2) {
        Tensor g2 = reshape(g, t * n, outDim);
        if (need[0]) {
          gx = reshape(matmul(g2, w, false, true), t, n, x.size(2));
        }
        if (need[1]) {
          gw = matmul(reshape(x, t * n, x.size(2)), g2, true, false);
        }
      } else {
        gx = need[0] ? matmul(g, w, false, true) : null;
        gw = need[1] ? matmul(x, g, true, false) : null;
      }
      if (b != null && need[2]) {
        gb = b.rank() == 1 ? sumTo(g, b.shape()) : reshape(sumTo(g, t, 1, outDim), t, outDim);
      }
      return b == null ? grads(gx, gw) : grads(gx, gw, gb);
    });
  }

  // ---------------------------------------------------------------- softmax family and losses

  /** log softmax along axis. */
  public static Tensor logSoftmax(Tensor x, int axis) {
    int ax = axis < 0 ? axis + x.rank() : axis;
    INDArray in = x.value();
    // x − max − log Σ exp(x − max): ND4J's native log_softmax returns −∞ in float32 once a row's
    // logits differ by more than ~100 (it takes the log of an underflowed softmax).
    INDArray shifted = K().binary(SUB, in, Nd.broadcastTo(K().max(in, true, ax), in.shape()));
    INDArray lse = K().unary(Unary.LOG, K().sum(K().unary(Unary.EXP, shifted), true, ax));
    INDArray v = K().binary(SUB, shifted, Nd.broadcastTo(lse, in.shape()));
    return record("logSoftmax", v, new Tensor[] {x},
        (g, out, need) -> grads(sub(g, mul(exp(out), sum(g, true, ax)))));
  }

  public static Tensor softmax(Tensor x, int axis) {
    return exp(logSoftmax(x, axis));
  }

  /**
   * Cross-entropy −Σ targets · log softmax(logits) along axis; the result drops that axis.
   * Targets are one-hot or soft labels of the logits' shape.
   */
  public static Tensor softmaxCrossEntropy(Tensor logits, Tensor targets, int axis) {
    checkSameShape("softmaxCrossEntropy", logits, targets);
    return neg(sum(mul(targets, logSoftmax(logits, axis)), false, axis));
  }

  /** Mean of squared differences over all elements. */
  public static Tensor mse(Tensor prediction, Tensor target) {
    checkSameShape("mse", prediction, target);
    return mean(square(sub(prediction, target)), false);
  }

  /** Element-wise Gaussian negative log-likelihood ½(log 2π + logVar + (y − mean)² e^{−logVar}). */
  public static Tensor gaussianNll(Tensor y, Tensor mean, Tensor logVar) {
    Tensor sq = square(sub(y, mean));
    return mulScalar(addScalar(add(logVar, mul(sq, exp(neg(logVar)))), Math.log(2 * Math.PI)), 0.5);
  }

  // ---------------------------------------------------------------- convolution, pooling, normalisation

  /**
   * 2-D cross-correlation (NCHW), square kernel, equal stride and zero padding in both dims.
   * x [N, C, H, W] with w [O, C, k, k]; or per-task x [T, N, C, H, W] with w [T, O, C, k, k]
   * (each task its own weights) or with shared w [O, C, k, k].
   */
  public static Tensor conv2d(Tensor x, Tensor w, int stride, int padding) {
    checkSameDtype("conv2d", x, w);
    if (x.rank() == 5 && w.rank() == 4) {
      long[] s = x.shape();
      Tensor flat = reshape(x, s[0] * s[1], s[2], s[3], s[4]);
      Tensor y = conv2d(flat, w, stride, padding);
      return reshape(y, s[0], s[1], y.size(1), y.size(2), y.size(3));
    }
    return Conv.conv2d(x, w, stride, padding);
  }

  /**
   * 2×2 max-pooling with stride 2 over the last two dims (a trailing odd row or column is
   * dropped, as with VALID padding). The gradient of each window goes to one maximal entry (the
   * first, where several tie): a subgradient, exact wherever the maximum is unique.
   */
  public static Tensor maxPool2x2(Tensor x) {
    int r = x.rank();
    long h = x.size(r - 2);
    long w = x.size(r - 1);
    if (h < 2 || w < 2) {
      throw new IllegalArgumentException("op 'maxPool2x2': spatial size " + h + "x" + w + " is smaller than 2x2");
    }
    Tensor t = x;
    if (h % 2 == 1) {
      t = slice(t, r - 2, 0, h - 1);
    }
    if (w % 2 == 1) {
      t = slice(t, r - 1, 0, w - 1);
    }
    return Pool.maxPool2x2Even(t);
  }

  /**
   * Batch normalisation with batch statistics: (x − mean) / sqrt(var + eps) · gamma + beta, the
   * mean and (biased) variance taken over axes; gamma and beta broadcast against x.
   */
  public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int... axes) {
    Tensor centered = sub(x, mean(x, true, axes));
    Tensor var = mean(square(centered), true, axes);
    Tensor normed = div(centered, sqrt(addScalar(var, eps)));
    return add(mul(normed, gamma), beta);
  }

  /** Pairwise squared Euclidean distances: a [.., n, d], b [.., m, d] → [.., n, m]. */
  public static Tensor squaredDistances(Tensor a, Tensor b) {
    Tensor aa = sum(square(a), true, -1);
    Tensor bb = transpose(sum(square(b), true, -1), -1, -2);
    return add(sub(aa, mulScalar(matmul(a, b, false, true), 2.0)), bb);
  }

  /** Pairwise cosine similarity: a [.., n, d], b [.., m, d] → [.., n, m]; eps guards zero norms. */
  public static Tensor cosineSimilarity(Tensor a, Tensor b, double eps) {
    Tensor an = div(a, sqrt(addScalar(sum(square(a), true, -1), eps)));
    Tensor bn = div(b, sqrt(addScalar(sum(square(b), true, -1), eps)));
    return matmul(an, bn, false, true);
  }

  // ---------------------------------------------------------------- small dense matrices (batched)

  /**
   * The inverse of square matrices: m {@code [n, n]} or batched {@code [B, n, n]}. Backward
   * −M⁻ᵀ Ḡ M⁻ᵀ, written with these ops (differentiable again). A singular matrix is an error.
   */
  public static Tensor inverse(Tensor m) {
    requireSquare("inverse", m);
    INDArray in = m.value().dup('c');
    INDArray v;
    try {
      v = K().matrixInverse(in);
    } catch (RuntimeException | Error e) {
      throw new IllegalArgumentException("op 'inverse': matrix " + Arrays.toString(m.shape()) + " is singular", e);
    }
    if (!finite(v)) {
      throw new IllegalArgumentException("op 'inverse': matrix " + Arrays.toString(m.shape())
          + " is singular or ill-conditioned (non-finite inverse)");
    }
    return record("inverse", v, new Tensor[] {m}, (g, out, need) -> {
      int r = out.rank();
      Tensor outT = transpose(out, r - 2, r - 1);
      return grads(neg(matmul(matmul(outT, g), outT)));
    });
  }

  /**
   * log det S of the symmetric part S = (M + Mᵀ)/2 of positive-definite matrices, from a Cholesky
   * factorisation (LAPACK potrf, in double): m
   * {@code [n, n]} gives a scalar {@code []}, batched {@code [B, n, n]} gives {@code [B]}.
   * Backward ḡ · S⁻¹ through {@link #inverse} (differentiable again). A matrix that is not
   * positive definite is an {@link IllegalArgumentException} that says so (never NaN).
   */
  public static Tensor logDetSpd(Tensor m) {
    requireSquare("logDetSpd", m);
    int r = m.rank();
    long n = m.size(r - 1);
    long batch = r == 3 ? m.size(0) : 1;
    INDArray md = m.value().castTo(DataType.DOUBLE).reshape('c', batch, n, n);
    // The symmetric part S = (M + Mᵀ)/2, so that value and gradient agree for any input.
    INDArray mats = md.add(md.permute(0, 2, 1)).muli(0.5);
    double[] ld = new double[(int) batch];
    for (int b = 0; b < batch; b++) {
      INDArray a = mats.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all()).dup('f');
      try {
        Nd4j.getBlasWrapper().lapack().potrf(a, false);
      } catch (RuntimeException | Error e) { // LAPACK failures are a BlasException (an Error)
        throw notSpd("logDetSpd", m, b, e);
      }
      for (int i = 0; i < n; i++) {
        double d = a.getDouble(i, i);
        if (!(d > 0) || !Double.isFinite(d)) {
          throw notSpd("logDetSpd", m, b, null);
        }
        ld[b] += 2 * Math.log(d);
      }
    }
    INDArray v = r == 3 ? Nd4j.createFromArray(ld).castTo(m.dtype()) : Nd4j.scalar(m.dtype(), ld[0]);
    return record("logDetSpd", v, new Tensor[] {m}, (g, out, need) -> {
      Tensor inv = inverse(mulScalar(add(m, transpose(m, r - 2, r - 1)), 0.5));
      Tensor gb = r == 3 ? reshape(g, batch, 1, 1) : g;
      return grads(mul(gb, inv));
    });
  }

  /**
   * log det(A ⊗ G + τ I) = Σ_ij log(λ_i μ_j + τ) for symmetric positive semi-definite factors
   * (λ, μ their eigenvalues, τ ≥ 0): the log-determinant of a damped Kronecker-factored (K-FAC)
   * curvature block. Batched: a {@code [B, p, p]}, g {@code [B, q, q]}, shift {@code [B]} or a
   * scalar {@code []}; returns {@code [B]}. Eigenvalues by LAPACK (syev) in double.
   *
   * <p>Differentiable once: ∂/∂A = Q_A diag(Σ_j μ_j / (λ_i μ_j + τ)) Q_Aᵀ, ∂/∂G likewise,
   * ∂/∂τ = Σ_ij 1 / (λ_i μ_j + τ), exact first derivatives with respect to all three inputs. Its
   * gradient is not differentiable again: asking for a recorded backward pass through it
   * ({@code createGraph = true}) throws rather than returning a silently wrong second derivative.
   *
   * @throws IllegalArgumentException if some λ_i μ_j + τ is not positive (not positive definite)
   */
  public static Tensor logDetKronecker(Tensor a, Tensor g, Tensor shift) {
    checkSameDtype("logDetKronecker", a, g);
    checkSameDtype("logDetKronecker", a, shift);
    requireSquare("logDetKronecker", a);
    requireSquare("logDetKronecker", g);
    if (a.rank() != 3 || g.rank() != 3 || a.size(0) != g.size(0)) {
      throw new IllegalArgumentException("op 'logDetKronecker': need batched factors [B, p, p] and [B, q, q], got "
          + Arrays.toString(a.shape()) + " and " + Arrays.toString(g.shape()));
    }
    int batch = (int) a.size(0);
    if (!(shift.rank() == 0 || (shift.rank() == 1 && shift.size(0) == batch))) {
      throw new IllegalArgumentException("op 'logDetKronecker': shift must be [] or [" + batch + "], got "
          + Arrays.toString(shift.shape()));
    }
    double[][] ea = new double[batch][];
    double[][] eg = new double[batch][];
    INDArray[] qa = new INDArray[batch];
    INDArray[] qg = new INDArray[batch];
    double[] tau = new double[batch];
    double[] ld = new double[batch];
    INDArray ad = a.value().castTo(DataType.DOUBLE);
    INDArray gd = g.value().castTo(DataType.DOUBLE);
    INDArray sd = shift.value().castTo(DataType.DOUBLE);
    for (int b = 0; b < batch; b++) {
      tau[b] = shift.rank() == 0 ? sd.getDouble(0) : sd.getDouble(b);
      qa[b] = ad.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all()).dup('f');
      qg[b] = gd.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all()).dup('f');
      ea[b] = symmetricEigen(qa[b]);
      eg[b] = symmetricEigen(qg[b]);
      for (double l : ea[b]) {
        for (double u : eg[b]) {
          double e = l * u + tau[b];
          if (!(e > 0) || !Double.isFinite(e)) {
            throw new IllegalArgumentException("op 'logDetKronecker': A ⊗ G + τI of batch entry " + b
                + " is not positive definite (eigenvalue " + e + " = " + l + " · " + u + " + " + tau[b]
                + "); add damping (a larger τ)");
          }
          ld[b] += Math.log(e);
        }
      }
    }
    INDArray v = Nd4j.createFromArray(ld).castTo(a.dtype());
    return record("logDetKronecker", v, new Tensor[] {a, g, shift}, (up, out, need) -> {
      if (GradMode.isEnabled()) {
        throw new UnsupportedOperationException("op 'logDetKronecker' is differentiable once: its gradient has no"
            + " recorded backward (createGraph = true through it is not supported)");
      }
      INDArray u = up.value().castTo(DataType.DOUBLE);
      INDArray gradA = need[0] ? Nd4j.zeros(DataType.DOUBLE, a.shape()) : null;
      INDArray gradG = need[1] ? Nd4j.zeros(DataType.DOUBLE, g.shape()) : null;
      double[] gradTau = new double[batch];
      for (int b = 0; b < batch; b++) {
        double ub = u.getDouble(b);
        double[] wa = new double[ea[b].length];
        double[] wg = new double[eg[b].length];
        for (int i = 0; i < wa.length; i++) {
          for (int j = 0; j < wg.length; j++) {
            double inv = 1 / (ea[b][i] * eg[b][j] + tau[b]);
            wa[i] += eg[b][j] * inv;
            wg[j] += ea[b][i] * inv;
            gradTau[b] += inv;
          }
        }
        if (need[0]) {
          gradA.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all())
              .assign(spectral(qa[b], wa).muli(ub));
        }
        if (need[1]) {
          gradG.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all())
              .assign(spectral(qg[b], wg).muli(ub));
        }
        gradTau[b] *= ub;
      }
      Tensor gt = null;
      if (need[2]) {
        INDArray t = Nd4j.createFromArray(gradTau).castTo(shift.dtype());
        gt = Tensor.constant(shift.rank() == 0 ? Nd4j.scalar(shift.dtype(), t.sumNumber().doubleValue()) : t);
      }
      return grads(need[0] ? Tensor.constant(gradA.castTo(a.dtype())) : null,
          need[1] ? Tensor.constant(gradG.castTo(g.dtype())) : null, gt);
    });
  }

  // Eigenvalues of a symmetric matrix (LAPACK syev, in place: q becomes the eigenvectors, as columns).
  private static double[] symmetricEigen(INDArray q) {
    long n = q.size(0);
    // Symmetrise first: LAPACK reads one triangle only.
    INDArray sym = q.add(q.transpose()).muli(0.5).dup('f');
    q.assign(sym);
    INDArray w = Nd4j.create(DataType.DOUBLE, n);
    int info = Nd4j.getBlasWrapper().lapack().syev('V', 'U', q, w);
    if (info != 0) {
      throw new IllegalArgumentException("op 'logDetKronecker': symmetric eigendecomposition failed (info " + info + ")");
    }
    return w.toDoubleVector();
  }

  // Q diag(w) Qᵀ for eigenvectors Q (columns).
  private static INDArray spectral(INDArray q, double[] w) {
    INDArray scaled = q.mulRowVector(Nd4j.createFromArray(w));
    return scaled.mmul(q.transpose());
  }

  private static void requireSquare(String op, Tensor m) {
    int r = m.rank();
    if ((r != 2 && r != 3) || m.size(r - 1) != m.size(r - 2)) {
      throw new IllegalArgumentException("op '" + op + "': needs square matrices [n, n] or [B, n, n], got "
          + Arrays.toString(m.shape()));
    }
    if (!m.dtype().isFPType()) {
      throw new IllegalArgumentException("op '" + op + "': needs a floating dtype, got " + m.dtype());
    }
  }

  private static IllegalArgumentException notSpd(String op, Tensor m, int batch, Throwable cause) {
    IllegalArgumentException e = new IllegalArgumentException("op '" + op + "': matrix " + batch + " of "
        + Arrays.toString(m.shape()) + " is not positive definite (Cholesky failed); add damping (δI)");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private static boolean finite(INDArray v) {
    double s = v.castTo(DataType.DOUBLE).sumNumber().doubleValue();
    return Double.isFinite(s);
  }

  // ---------------------------------------------------------------- helpers

  static long[] dropAxis(long[] shape, int axis) {
    int a = axis < 0 ? axis + shape.length : axis;
    long[] out = new long[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != a) {
        out[j++] = shape[i];
      }
    }
    return out;
  }
}
