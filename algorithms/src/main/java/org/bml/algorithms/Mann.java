package org.bml.algorithms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Layers;
import org.bml.core.model.LruaMemory;
import org.bml.core.model.LstmCell;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Memory-augmented neural network (MANN) of Santoro, Bartunov, Botvinick, Wierstra &amp;
 * Lillicrap, "Meta-Learning with Memory-Augmented Neural Networks", ICML 2016: an LSTM controller
 * with a least-recently-used-access external memory ({@link LruaMemory}), fed a sequence of
 * (image x_t, one-hot label y_{t−1} of the previous step): each label is shown one step late, so
 * the network must bind an image to the label that follows it and recall the binding when the
 * class comes back. The class labels of an episode are the episode's own random assignment
 * (the task distribution shuffles them per episode), so nothing about a class can be stored in
 * the weights. Per step
 *
 * <pre>
 *   (h_t, c_t) = LSTM([x_t, y_{t−1}, r_{t−1}], h_{t−1}, c_{t−1});   memory step (write, read) → r_t
 *   logits_t   = [h_t, r_t] W_o + b_o
 * </pre>
 * and the loss is the cross-entropy of every step's prediction of y_t, averaged over the sequence.
 *
 * <p><b>How it maps onto the episode API.</b> The paper's episode is one sequence; here the
 * sequence is the task's support and query examples together, in a random order drawn per task
 * from the seed of {@link #metaLoss(Params, Data, Data, long)} (the seed-less form uses seed 0),
 * so with K shots and Q queries per class each class is presented K+Q times (the paper: 5 classes,
 * 10 presentations, sequences of 50). At test time the support set is the sequence prefix:
 * {@link #adapt} runs the network over the support examples in their given order and keeps its
 * final state (controller h, c, memory, read and usage weights, read vectors, last label) as the
 * per-task "parameters"; {@link #predict} continues that state by one step for each query,
 * independently (one copy of the state per query), so a query's prediction is the paper's
 * prediction at position |support| + 1, and the predictive package scores it like any
 * classifier's logits. {@link #instanceAccuracy} gives the paper's Table 1 figure: accuracy at
 * the k-th presentation of a class within the shuffled sequence. Images may be average-pooled by
 * an integer factor first (28×28 Omniglot at factor 2 is 14×14 = 196 inputs; the paper
 * downscaled to 20×20).
 *
 * <p>Parameters: the controller {@code lstm.*} ({@link LstmCell}, input features + classes +
 * R·S), the memory {@code memory.*} and the output layer {@code out.weight [H + R·S, classes]},
 * {@code out.bias [classes]}, all shared by the tasks.
 */
public final class Mann implements MetaLearner {
  /** Names of the state tensors {@link #adapt} returns beside the meta-parameters. */
  public static final String STATE_H = "state.h";
  public static final String STATE_C = "state.c";
  public static final String STATE_MEMORY = "state.memory";
  public static final String STATE_READ_WEIGHTS = "state.read_weights";
  public static final String STATE_USAGE = "state.usage";
  public static final String STATE_READ = "state.read";
  public static final String STATE_LAST_LABEL = "state.last_label";

  private static final String OUT_W = "out.weight";
  private static final String OUT_B = "out.bias";

  private final long[] inputShape;
  private final int classes;
  private final int pool;
  private final int features;
  private final LstmCell controller;
  private final LruaMemory memory;

  /**
   * @param inputShape shape of one example: {@code [F]}, or {@code [C, H, W]} for images
   * @param classes label classes per episode (the ways)
   * @param controllerSize LSTM width H
   * @param slots memory slots N (more than {@code reads})
   * @param slotSize entries per slot S
   * @param reads read heads R
   * @param gamma usage decay γ in [0, 1]
   * @param sharpness s &gt; 0 multiplying the cosine similarities (1: the paper)
   * @param pool average-pooling factor for images (1: none); must divide H and W
   */
  public Mann(long[] inputShape, int classes, int controllerSize, int slots, int slotSize, int reads, double gamma,
      double sharpness, int pool) {
    Hyper.nonNull("Mann", "input shape", inputShape);
    Hyper.positiveCount("Mann", "classes", classes);
    Hyper.positiveCount("Mann", "controller size", controllerSize);
    Hyper.positiveCount("Mann", "memory slots", slots);
    Hyper.positiveCount("Mann", "slot size", slotSize);
    Hyper.positiveCount("Mann", "reads", reads);
    Hyper.positiveCount("Mann", "pool factor", pool);
    if (inputShape.length != 1 && inputShape.length != 3) {
      throw new IllegalArgumentException("Mann: input shape must be [features] or [channels, height, width], got "
          + Arrays.toString(inputShape));
    }
    for (long d : inputShape) {
      Hyper.positiveCount("Mann", "input dimension", Math.toIntExact(d));
    }
    if (inputShape.length == 1 && pool != 1) {
      throw new IllegalArgumentException("Mann: pool factor " + pool + " applies to images only; input shape "
          + Arrays.toString(inputShape));
    }
    if (inputShape.length == 3 && (inputShape[1] % pool != 0 || inputShape[2] % pool != 0)) {
      throw new IllegalArgumentException("Mann: pool factor " + pool + " must divide the image size "
          + inputShape[1] + "x" + inputShape[2]);
    }
    this.inputShape = inputShape.clone();
    this.classes = classes;
    this.pool = pool;
    this.features = Math.toIntExact(inputShape.length == 1 ? inputShape[0]
        : inputShape[0] * (inputShape[1] / pool) * (inputShape[2] / pool));
    this.memory = new LruaMemory("memory.", controllerSize, slots, slotSize, reads, gamma, sharpness);
    this.controller = new LstmCell("lstm.", features + classes + memory.readSize(), controllerSize);
  }

  public int classes() {
    return classes;
  }

  /** Inputs per example after pooling and flattening. */
  public int features() {
    return features;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    controller.init(rng.nextLong(), dtype).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    memory.init(rng.nextLong(), dtype).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    long in = (long) controller.hiddenSize() + memory.readSize();
    double bound = 1.0 / Math.sqrt(in);
    m.put(OUT_W, Tensor.variable(Layers.uniform(rng, bound, dtype, in, classes), OUT_W));
    m.put(OUT_B, Tensor.variable(Layers.uniform(rng, bound, dtype, classes), OUT_B));
    return Params.of(m);
  }

  /** The recurrent state between steps (each tensor has the task axis first). */
  private record State(LstmCell.State controller, LruaMemory.State memory, Tensor lastLabel) {}

  private State initialState(long tasks, DataType dtype) {
    return new State(controller.zeroState(tasks, 1, dtype), memory.initialState(tasks, dtype),
        Tensor.constant(Nd4j.zeros(dtype, tasks, 1, classes)));
  }

  /** Pooled, flattened inputs {@code [T, n, F]}. */
  private Tensor featuresOf(Tensor x) {
    if (x.rank() != inputShape.length + 2 || !Arrays.equals(Arrays.copyOfRange(x.shape(), 2, x.rank()), inputShape)) {
      throw new IllegalArgumentException("Mann: inputs must be [T, n, " + Arrays.toString(inputShape)
          .replaceAll("[\\[\\]]", "") + "], got " + Arrays.toString(x.shape()));
    }
    long t = x.size(0);
    long n = x.size(1);
    if (inputShape.length == 3 && pool > 1) {
      long c = inputShape[0];
      long h = inputShape[1] / pool;
      long w = inputShape[2] / pool;
      Tensor blocks = Ops.reshape(x, t * n * c, h, pool, w, pool);
      return Ops.reshape(Ops.mean(blocks, false, 2, 4), t, n, features);
    }
    return Ops.reshape(x, t, n, features);
  }

  private void checkLabels(Tensor x, Tensor y) {
    if (y.rank() != 3 || y.size(0) != x.size(0) || y.size(1) != x.size(1) || y.size(2) != classes) {
      throw new IllegalArgumentException("Mann: labels must be one-hot [T, n, " + classes + "] for inputs "
          + Arrays.toString(x.shape()) + ", got " + Arrays.toString(y.shape()));
    }
  }

  // One step: input x_t [T,1,F] with the state's last label; returns the logits [T,1,C] and the new state.
  private Tensor step(Params p, Tensor xt, State s, State[] next) {
    Tensor in = Ops.concat(2, List.of(xt, s.lastLabel(), s.memory().read()));
    LstmCell.State cs = controller.step(p, in, s.controller());
    LruaMemory.State ms = memory.step(p, cs.h(), s.memory());
    next[0] = new State(cs, ms, s.lastLabel());
    return Ops.linear(Ops.concat(2, List.of(cs.h(), ms.read())), p.get(OUT_W), p.get(OUT_B));
  }

  private record Run(Tensor logits, State end) {}

  // Runs the sequence x [T, L, ...] with labels y [T, L, C] shown one step late, from state s.
  private Run run(Params p, Tensor x, Tensor y, State s) {
    checkLabels(x, y);
    Tensor f = featuresOf(x);
    long len = x.size(1);
    List<Tensor> logits = new ArrayList<>();
    State cur = s;
    State[] next = new State[1];
    for (long t = 0; t < len; t++) {
      logits.add(step(p, Ops.slice(f, 1, t, t + 1), cur, next));
      cur = new State(next[0].controller(), next[0].memory(), Ops.slice(y, 1, t, t + 1));
    }
    return new Run(Ops.concat(1, logits), cur);
  }

  /** Logits {@code [T, L, C]} of a whole sequence (labels one step late), from the initial state. */
  public Tensor sequenceLogits(Params meta, Tensor x, Tensor y) {
    return run(meta, x, y, initialState(x.size(0), x.dtype())).logits();
  }

  /** Cross-entropy of every step, averaged over the steps and the tasks. */
  public Tensor sequenceLoss(Params meta, Tensor x, Tensor y) {
    return Ops.mean(Ops.softmaxCrossEntropy(sequenceLogits(meta, x, y), y, -1), false);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    Data seq = episodeSequence(support, query, seed);
    return sequenceLoss(meta, seq.x(), seq.y());
  }

  /**
   * Support and query examples of each task as one sequence, in a random order per task drawn
   * from {@code seed} (tasks in order from one stream), as constants.
   */
  public static Data episodeSequence(Data support, Data query, long seed) {
    INDArray x = Nd4j.concat(1, support.x().value(), query.x().value());
    INDArray y = Nd4j.concat(1, support.y().value(), query.y().value());
    int tasks = Math.toIntExact(x.size(0));
    int len = Math.toIntExact(x.size(1));
    SplittableRandom rng = new SplittableRandom(seed);
    int[] rows = new int[tasks * len];
    for (int t = 0; t < tasks; t++) {
      int[] perm = new int[len];
      for (int i = 0; i < len; i++) {
        perm[i] = i;
      }
      for (int i = len - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
      }
      for (int i = 0; i < len; i++) {
        rows[t * len + i] = t * len + perm[i];
      }
    }
    return new Data(shuffleRows(x, rows, tasks, len), shuffleRows(y, rows, tasks, len));
  }

  private static Tensor shuffleRows(INDArray a, int[] rows, int tasks, int len) {
    long[] shape = a.shape();
    long[] flat = Arrays.copyOfRange(shape, 1, shape.length);
    flat[0] = (long) tasks * len;
    Tensor g = Ops.gather(Tensor.constant(a.dup('c').reshape('c', flat)), 0, rows);
    return Tensor.constant(g.value().reshape('c', shape));
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("Mann", "adaptation steps", steps, 0); // the memory adapts, not the weights; −1 is a caller's bug
    Run r = run(meta, support.x(), support.y(), initialState(support.tasks(), support.x().dtype()));
    State s = r.end();
    return meta.with(STATE_H, s.controller().h()).with(STATE_C, s.controller().c())
        .with(STATE_MEMORY, s.memory().memory()).with(STATE_READ_WEIGHTS, s.memory().readWeights())
        .with(STATE_USAGE, s.memory().usage()).with(STATE_READ, s.memory().read())
        .with(STATE_LAST_LABEL, s.lastLabel());
  }

  /** Logits {@code [T, m, C]}: each query is the next step after the support prefix, independently. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    if (!adapted.has(STATE_MEMORY)) {
      throw new IllegalArgumentException("Mann.predict: needs the parameters returned by adapt (no memory state)");
    }
    Tensor f = featuresOf(x);
    long t = f.size(0);
    long m = f.size(1);
    if (adapted.get(STATE_MEMORY).size(0) != t) {
      throw new IllegalArgumentException("Mann.predict: state for " + adapted.get(STATE_MEMORY).size(0)
          + " tasks, inputs for " + t);
    }
    // One copy of the state per query: the T·m (task, query) pairs become the task axis of one step.
    State s = new State(
        new LstmCell.State(perQuery(adapted.get(STATE_H), m), perQuery(adapted.get(STATE_C), m)),
        new LruaMemory.State(perQuery(adapted.get(STATE_MEMORY), m), perQuery(adapted.get(STATE_READ_WEIGHTS), m),
            perQuery(adapted.get(STATE_USAGE), m), perQuery(adapted.get(STATE_READ), m)),
        perQuery(adapted.get(STATE_LAST_LABEL), m));
    Tensor logits = step(adapted, Ops.reshape(f, t * m, 1, features), s, new State[1]);
    return Ops.reshape(logits, t, m, classes);
  }

  // [T, ...] → [T·m, ...], task t's state repeated m times (rows t·m .. t·m + m − 1).
  private static Tensor perQuery(Tensor a, long m) {
    long[] s = a.shape();
    long[] wide = new long[s.length + 1];
    wide[0] = s[0];
    wide[1] = m;
    System.arraycopy(s, 1, wide, 2, s.length - 1);
    long[] flat = Arrays.copyOfRange(wide, 1, wide.length);
    flat[0] = s[0] * m;
    return Ops.reshape(Ops.broadcastTo(Ops.unsqueeze(a, 1), wide), flat);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    checkLabels(data.x(), data.y());
    return Ops.mean(Ops.softmaxCrossEntropy(predict(adapted, data.x()), data.y(), -1), false, 1);
  }

  /** Correct predictions and predictions made at the k-th presentation of a class (k = 1, 2, ...). */
  public record InstanceCounts(long[] correct, long[] total) {
    public InstanceCounts {
      if (correct.length != total.length) {
        throw new IllegalArgumentException("InstanceCounts: " + correct.length + " vs " + total.length);
      }
    }

    /** Accuracy at the k-th presentation (1-based), NaN if there was none. */
    public double accuracy(int k) {
      return k <= total.length && total[k - 1] > 0 ? (double) correct[k - 1] / total[k - 1] : Double.NaN;
    }

    /** Both counts added element-wise (the longer length wins). */
    public InstanceCounts plus(InstanceCounts o) {
      int n = Math.max(total.length, o.total.length);
      long[] c = new long[n];
      long[] t = new long[n];
      for (int i = 0; i < n; i++) {
        c[i] = (i < correct.length ? correct[i] : 0) + (i < o.correct.length ? o.correct[i] : 0);
        t[i] = (i < total.length ? total[i] : 0) + (i < o.total.length ? o.total[i] : 0);
      }
      return new InstanceCounts(c, t);
    }
  }

  /**
   * Accuracy by instance, the paper's Table 1: the episode's support and query examples as one
   * sequence shuffled under {@code seed} (as in {@link #metaLoss(Params, Data, Data, long)}), each
   * step's prediction counted under the presentation number of its class so far (1st, 2nd, ...).
   */
  public InstanceCounts instanceAccuracy(Params meta, Data support, Data query, long seed) {
    Data seq = episodeSequence(support, query, seed);
    INDArray logits;
    try (GradMode.Scope ng = GradMode.noGrad()) {
      logits = sequenceLogits(meta, seq.x(), seq.y()).value();
    }
    INDArray pred = logits.argMax(2);
    INDArray truth = seq.y().value().argMax(2);
    int tasks = Math.toIntExact(logits.size(0));
    int len = Math.toIntExact(logits.size(1));
    long[] correct = new long[len];
    long[] total = new long[len];
    for (int t = 0; t < tasks; t++) {
      int[] seen = new int[classes];
      for (int i = 0; i < len; i++) {
        int label = truth.getInt(t, i);
        int k = seen[label]++;
        total[k]++;
        if (pred.getInt(t, i) == label) {
          correct[k]++;
        }
      }
    }
    return new InstanceCounts(correct, total);
  }
}
