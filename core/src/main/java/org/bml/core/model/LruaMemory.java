package org.bml.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The external memory of a memory-augmented neural network with least-recently-used access
 * (LRUA), after Santoro, Bartunov, Botvinick, Wierstra &amp; Lillicrap, "Meta-Learning with
 * Memory-Augmented Neural Networks", ICML 2016, §3.1–3.2. One step, given the controller's output
 * h (one row per task) and the previous state, for each of the R heads:
 *
 * <pre>
 *   k, a = tanh(h W_k + b_k), tanh(h W_a + b_a)          read key and write (add) vector, [S] each
 *   σ    = sigmoid(h W_α + b_α)                          the write gate σ(α)
 *   w^lu_{t−1} = indicator of the head's least-used slot of w^u_{t−1}   (head j: j-th smallest usage)
 *   w^w_t = σ · w^r_{t−1} + (1 − σ) · w^lu_{t−1}
 *   M_t  = (M_{t−1} with its least-used slot zeroed) + Σ_heads w^w_t ⊗ a
 *   w^r_t(i) = softmax_i( s · cos(k, M_t(i)) ),  r_t = Σ_i w^r_t(i) M_t(i)
 *   w^u_t = γ w^u_{t−1} + Σ_heads (w^r_t + w^w_t)
 * </pre>
 *
 * <p>Read then follows write in the same step, as the authors' reference implementations do
 * (tristandeleu/ntm-one-shot), with a write vector a separate from the read key k (the paper's
 * text uses one key for both). The paper's least-used weights mark the n smallest usages, n the
 * number of reads; here head j writes to the j-th smallest, so their union is the paper's
 * w^lu, and only the single least-used slot is zeroed before writing ("the least used memory
 * location ... is set to zero"). The sharpness s multiplies the cosine (s = 1 is the paper).
 *
 * <p>Written with {@link Ops} only (linear, tanh, sigmoid, cosine similarity, softmax, matmul,
 * mul, add), so any loss through any number of steps is differentiable to any order. The least-
 * used indicator is piecewise constant in the usage (a constant mask on the tape, computed from
 * values, ties broken by the lower slot index), so its derivative is zero where it is defined, as in the paper.
 *
 * <p>Parameters {@code <prefix>key.weight [H, R·S]}, {@code key.bias [R·S]}, {@code add.weight},
 * {@code add.bias} (the same), {@code gate.weight [H, R]}, {@code gate.bias [R]}; shared by all
 * tasks. State per task: memory {@code [T, N, S]}, read weights {@code [T, R, N]}, usage
 * {@code [T, N]}, read vectors {@code [T, 1, R·S]}.
 */
public final class LruaMemory {
  /** Guards the cosine similarity against an all-zero slot or key. */
  public static final double COSINE_EPS = 1e-8;
  /** Initial value of every memory entry (a constant slot has a defined cosine), as the reference code. */
  public static final double INITIAL_ENTRY = 1e-6;

  /** The memory's state after a step. */
  public record State(Tensor memory, Tensor readWeights, Tensor usage, Tensor read) {
    public State {
      if (memory == null || readWeights == null || usage == null || read == null) {
        throw new IllegalArgumentException("LruaMemory.State: memory, read weights, usage and read must be given");
      }
    }
  }

  private final String prefix;
  private final int controllerSize;
  private final int slots;
  private final int slotSize;
  private final int reads;
  private final double gamma;
  private final double sharpness;

  /**
   * @param prefix prepended to the parameter names (may be empty)
   * @param controllerSize H, width of the controller output
   * @param slots N memory slots, more than {@code reads}
   * @param slotSize S entries per slot
   * @param reads R read (and write) heads
   * @param gamma usage decay γ in [0, 1]
   * @param sharpness s &gt; 0 multiplying the cosine similarities (1: the paper)
   */
  public LruaMemory(String prefix, int controllerSize, int slots, int slotSize, int reads, double gamma,
      double sharpness) {
    if (prefix == null) {
      throw new IllegalArgumentException("LruaMemory: prefix must not be null (use \"\" for none)");
    }
    if (controllerSize <= 0 || slotSize <= 0 || reads <= 0) {
      throw new IllegalArgumentException("LruaMemory: controller size, slot size and reads must be positive, got "
          + controllerSize + ", " + slotSize + ", " + reads);
    }
    if (slots <= reads) {
      throw new IllegalArgumentException("LruaMemory: slots (" + slots + ") must exceed the number of reads ("
          + reads + ")");
    }
    if (!(gamma >= 0 && gamma <= 1)) {
      throw new IllegalArgumentException("LruaMemory: usage decay gamma must be in [0, 1], got " + gamma);
    }
    if (!(sharpness > 0) || !Double.isFinite(sharpness)) {
      throw new IllegalArgumentException("LruaMemory: sharpness must be positive and finite, got " + sharpness);
    }
    this.prefix = prefix;
    this.controllerSize = controllerSize;
    this.slots = slots;
    this.slotSize = slotSize;
    this.reads = reads;
    this.gamma = gamma;
    this.sharpness = sharpness;
  }

  public int slots() {
    return slots;
  }

  public int slotSize() {
    return slotSize;
  }

  public int reads() {
    return reads;
  }

  /** Width of the read vectors of all heads together, R·S. */
  public int readSize() {
    return reads * slotSize;
  }

  /** Names and shapes (shared, no task axis). */
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
    long rs = (long) reads * slotSize;
    m.put(prefix + "key.weight", new long[] {controllerSize, rs});
    m.put(prefix + "key.bias", new long[] {rs});
    m.put(prefix + "add.weight", new long[] {controllerSize, rs});
    m.put(prefix + "add.bias", new long[] {rs});
    m.put(prefix + "gate.weight", new long[] {controllerSize, reads});
    m.put(prefix + "gate.bias", new long[] {reads});
    return m;
  }

  /** Seeded U(±1/√H) for every parameter. */
  public Params init(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    double bound = 1.0 / Math.sqrt(controllerSize);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    parameterShapes().forEach((n, s) -> m.put(n, Tensor.variable(Layers.uniform(rng, bound, dtype, s), n)));
    return Params.of(m);
  }

  /**
   * The state before the first step: every entry {@value #INITIAL_ENTRY}, read weights and usage
   * on slot 0 (so the first writes go to slots 1..R), read vectors 0.
   */
  public State initialState(long tasks, DataType dtype) {
    if (tasks <= 0) {
      throw new IllegalArgumentException("LruaMemory.initialState: tasks must be positive, got " + tasks);
    }
    INDArray w = Nd4j.zeros(dtype, tasks, reads, slots);
    INDArray u = Nd4j.zeros(dtype, tasks, slots);
    for (long t = 0; t < tasks; t++) {
      u.putScalar(new long[] {t, 0}, 1.0);
      for (long j = 0; j < reads; j++) {
        w.putScalar(new long[] {t, j, 0}, 1.0);
      }
    }
    return new State(Tensor.constant(Nd4j.valueArrayOf(new long[] {tasks, slots, slotSize}, INITIAL_ENTRY, dtype)),
        Tensor.constant(w), Tensor.constant(u), Tensor.constant(Nd4j.zeros(dtype, tasks, 1, (long) reads * slotSize)));
  }

  /** One write-then-read step for controller outputs {@code h [T, 1, H]}. */
  public State step(Params params, Tensor h, State prev) {
    if (h == null || prev == null) {
      throw new IllegalArgumentException("LruaMemory.step: h and the previous state must be given");
    }
    if (h.rank() != 3 || h.size(1) != 1 || h.size(2) != controllerSize) {
      throw new IllegalArgumentException("LruaMemory.step: h must be [T, 1, " + controllerSize + "], got "
          + Arrays.toString(h.shape()));
    }
    long t = h.size(0);
    requireShape("memory", prev.memory(), t, slots, slotSize);
    requireShape("read weights", prev.readWeights(), t, reads, slots);
    requireShape("usage", prev.usage(), t, slots);
    // Ops.tanh, not LstmCell's series-corrected tanh: key and write vector only need absolute accuracy, and the
    // correction's extra ops would double this step's cost.
    Tensor key = Ops.reshape(Ops.tanh(Ops.linear(h, params.get(prefix + "key.weight"),
        params.get(prefix + "key.bias"))), t, reads, slotSize);
    Tensor add = Ops.reshape(Ops.tanh(Ops.linear(h, params.get(prefix + "add.weight"),
        params.get(prefix + "add.bias"))), t, reads, slotSize);
    Tensor gate = Ops.reshape(Ops.sigmoid(Ops.linear(h, params.get(prefix + "gate.weight"),
        params.get(prefix + "gate.bias"))), t, reads, 1);

    INDArray[] masks = leastUsed(prev.usage().value());
    Tensor lu = Tensor.constant(masks[0]);
    Tensor writeWeights = Ops.add(Ops.mul(gate, prev.readWeights()), Ops.mul(Ops.rsubScalar(gate, 1.0), lu));
    Tensor cleared = Ops.mask(prev.memory(), masks[1]);
    Tensor memory = Ops.add(cleared, Ops.matmul(writeWeights, add, true, false));

    Tensor similarity = Ops.cosineSimilarity(key, memory, COSINE_EPS);
    Tensor readWeights = Ops.softmax(sharpness == 1.0 ? similarity : Ops.mulScalar(similarity, sharpness), -1);
    Tensor read = Ops.reshape(Ops.matmul(readWeights, memory), t, 1, (long) reads * slotSize);
    Tensor usage = Ops.add(Ops.mulScalar(prev.usage(), gamma),
        Ops.add(Ops.sum(readWeights, false, 1), Ops.sum(writeWeights, false, 1)));
    return new State(memory, readWeights, usage, read);
  }

  /**
   * From usage {@code [T, N]}: the one-hot least-used weights {@code [T, R, N]} (head j on the
   * j-th smallest usage, ties to the lower index) and the keep-mask {@code [T, N, 1]} that is 0 on
   * the least-used slot.
   */
  INDArray[] leastUsed(INDArray usage) {
    int tasks = Math.toIntExact(usage.size(0));
    DataType dtype = usage.dataType();
    INDArray lu = Nd4j.zeros(dtype, tasks, reads, slots);
    INDArray keep = Nd4j.ones(dtype, tasks, slots, 1);
    double[][] u = usage.castTo(DataType.DOUBLE).toDoubleMatrix();
    for (int t = 0; t < tasks; t++) {
      double[] row = u[t];
      Integer[] order = new Integer[slots];
      for (int i = 0; i < slots; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(row[a], row[b])); // stable: ties keep the lower index first
      for (int j = 0; j < reads; j++) {
        lu.putScalar(new long[] {t, j, order[j]}, 1.0);
      }
      keep.putScalar(new long[] {t, order[0], 0}, 0.0);
    }
    return new INDArray[] {lu, keep};
  }

  private static void requireShape(String what, Tensor x, long... want) {
    if (!Arrays.equals(x.shape(), want)) {
      throw new IllegalArgumentException("LruaMemory.step: " + what + " must be " + Arrays.toString(want) + ", got "
          + Arrays.toString(x.shape()));
    }
  }
}
