package org.bml.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One step of a long short-term memory cell (Hochreiter &amp; Schmidhuber 1997, with the forget gate
 * of Gers et al. 2000), as a pure function (params, x, h, c) → (h', c'):
 *
 * <pre>
 *   z  = x W_ih + h W_hh + b            (gates in the order i, f, g, o, as PyTorch's LSTMCell)
 *   c' = σ(z_f) ⊙ c + σ(z_i) ⊙ tanh(z_g)
 *   h' = σ(z_o) ⊙ tanh(c')
 * </pre>
 *
 * <p>Written with {@link Ops} only (linear, slice, sigmoid, tanh, mul, add, where), so a loss through any
 * number of unrolled steps is differentiable to any order. Parameters {@code <prefix>weight_ih
 * [in, 4H]}, {@code <prefix>weight_hh [H, 4H]}, {@code <prefix>bias [4H]}; each may also carry a
 * leading task axis ({@code [T, in, 4H]} ...), as in {@link Model}. Inputs are {@code x [T, n, in]}
 * and states {@code h, c [T, n, H]}: n independent rows per task (batch elements, or the coordinates
 * of a coordinate-wise learned optimizer, which shares one cell across all of them).
 */
public final class LstmCell {
  /** The recurrent state: hidden output h and cell c, both {@code [T, n, H]}. */
  public record State(Tensor h, Tensor c) {
    public State {
      if (h == null || c == null) {
        throw new IllegalArgumentException("LstmCell.State: h and c must be given");
      }
      if (!Arrays.equals(h.shape(), c.shape())) {
        throw new IllegalArgumentException("LstmCell.State: h " + Arrays.toString(h.shape()) + " and c "
            + Arrays.toString(c.shape()) + " must have the same shape");
      }
    }

    /** Both tensors cut out of the graph (the truncation point of truncated BPTT). */
    public State detach() {
      return new State(h.detach(), c.detach());
    }
  }

  private final String prefix;
  private final int inputSize;
  private final int hiddenSize;

  /**
   * @param prefix prepended to the parameter names (may be empty), e.g. {@code "lstm0."}
   * @param inputSize features of x per row, positive
   * @param hiddenSize H, positive
   */
  public LstmCell(String prefix, int inputSize, int hiddenSize) {
    if (prefix == null) {
      throw new IllegalArgumentException("LstmCell: prefix must not be null (use \"\" for none)");
    }
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException("LstmCell: input and hidden sizes must be positive, got input " + inputSize
          + ", hidden " + hiddenSize);
    }
    this.prefix = prefix;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  public int inputSize() {
    return inputSize;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public String weightIh() {
    return prefix + "weight_ih";
  }

  public String weightHh() {
    return prefix + "weight_hh";
  }

  public String bias() {
    return prefix + "bias";
  }

  /** Names and shapes, without task axis. */
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
    m.put(weightIh(), new long[] {inputSize, 4L * hiddenSize});
    m.put(weightHh(), new long[] {hiddenSize, 4L * hiddenSize});
    m.put(bias(), new long[] {4L * hiddenSize});
    return m;
  }

  /** Seeded U(±1/√H) for every parameter, as PyTorch's LSTMCell. */
  public Params init(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    double bound = 1.0 / Math.sqrt(hiddenSize);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    parameterShapes().forEach((n, s) -> m.put(n, Tensor.variable(Layers.uniform(rng, bound, dtype, s), n)));
    return Params.of(m);
  }

  /** h = c = 0 of shape {@code [tasks, rows, H]}. */
  public State zeroState(long tasks, long rows, DataType dtype) {
    if (tasks <= 0 || rows <= 0) {
      throw new IllegalArgumentException("LstmCell.zeroState: tasks and rows must be positive, got " + tasks + ", "
          + rows);
    }
    Tensor z = Tensor.constant(Nd4j.zeros(dtype, tasks, rows, hiddenSize));
    return new State(z, z);
  }

  /** One step: the new state (its h is the cell's output). Reads only this cell's parameters. */
  public State step(Params params, Tensor x, State state) {
    if (x == null || state == null) {
      throw new IllegalArgumentException("LstmCell.step: x and state must be given");
    }
    if (x.rank() != 3 || x.size(2) != inputSize) {
      throw new IllegalArgumentException("LstmCell.step: x must be [T, n, " + inputSize + "], got "
          + Arrays.toString(x.shape()));
    }
    long[] want = {x.size(0), x.size(1), hiddenSize};
    if (!Arrays.equals(state.h().shape(), want)) {
      throw new IllegalArgumentException("LstmCell.step: state must be " + Arrays.toString(want) + " for x "
          + Arrays.toString(x.shape()) + ", got " + Arrays.toString(state.h().shape()));
    }
    Tensor wih = params.get(weightIh());
    Tensor whh = params.get(weightHh());
    Tensor b = params.get(bias());
    requireShape(weightIh(), wih, x.size(0), inputSize, 4L * hiddenSize);
    requireShape(weightHh(), whh, x.size(0), hiddenSize, 4L * hiddenSize);
    requireShape(bias(), b, x.size(0), 4L * hiddenSize);
    long hs = hiddenSize;
    Tensor z = Ops.add(Ops.linear(x, wih, b), Ops.linear(state.h(), whh, null));
    Tensor i = Ops.sigmoid(Ops.slice(z, 2, 0, hs));
    Tensor f = Ops.sigmoid(Ops.slice(z, 2, hs, 2 * hs));
    Tensor g = tanh(Ops.slice(z, 2, 2 * hs, 3 * hs));
    Tensor o = Ops.sigmoid(Ops.slice(z, 2, 3 * hs, 4 * hs));
    Tensor c = Ops.add(Ops.mul(f, state.c()), Ops.mul(i, g));
    Tensor h = Ops.mul(o, tanh(c));
    return new State(h, c);
  }

  private static final double SERIES_BELOW = 1e-2;

  /**
   * tanh accurate to rounding near 0. Why: ND4J's float64 tanh computes it with a cancellation
   * there (measured relative error 2e-5 at x = 1e-12, 8e-8 at 1e-10, 6e-12 at 1e-6), which a cell
   * operating in its linear regime (a learned optimizer reduced to SGD) amplifies. Below
   * |x| = 1e-2 it is the odd Taylor polynomial to x⁹ (remainder |x|¹¹ < 1e-22 relative); its
   * derivatives are the polynomial's, so the tape stays exact to any order.
   */
  static Tensor tanh(Tensor x) {
    INDArray small = Transforms.abs(x.value(), true).lt(SERIES_BELOW);
    if (small.castTo(DataType.DOUBLE).sumNumber().doubleValue() == 0) {
      return Ops.tanh(x);
    }
    // The series only sees the small entries (0 elsewhere), so it cannot overflow for large x.
    Tensor xs = Ops.where(small, x, Tensor.constant(Nd4j.zeros(x.dtype(), 1)));
    Tensor x2 = Ops.square(xs);
    // x (1 − x²/3 + 2x⁴/15 − 17x⁶/315 + 62x⁸/2835), in Horner form.
    Tensor p = Ops.addScalar(Ops.mulScalar(x2, 62.0 / 2835), -17.0 / 315);
    p = Ops.addScalar(Ops.mul(p, x2), 2.0 / 15);
    p = Ops.addScalar(Ops.mul(p, x2), -1.0 / 3);
    p = Ops.addScalar(Ops.mul(p, x2), 1.0);
    return Ops.where(small, Ops.mul(xs, p), Ops.tanh(x));
  }

  // Shared ([dims]) or per task ([T, dims]); anything else is named, not broadcast by accident.
  private static void requireShape(String name, Tensor t, long tasks, long... dims) {
    long[] perTask = new long[dims.length + 1];
    perTask[0] = tasks;
    System.arraycopy(dims, 0, perTask, 1, dims.length);
    if (!Arrays.equals(t.shape(), dims) && !Arrays.equals(t.shape(), perTask)) {
      throw new IllegalArgumentException("LstmCell: parameter '" + name + "' must be " + Arrays.toString(dims)
          + " or " + Arrays.toString(perTask) + ", got " + Arrays.toString(t.shape()));
    }
  }
}
