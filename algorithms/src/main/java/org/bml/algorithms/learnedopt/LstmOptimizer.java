package org.bml.algorithms.learnedopt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Layers;
import org.bml.core.model.LstmCell;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The coordinate-wise LSTM optimizer of Andrychowicz et al., "Learning to learn by gradient descent
 * by gradient descent" (NeurIPS 2016, arXiv:1606.04474, §2.1): every coordinate θ_k of the
 * optimizee is updated by the same two-layer LSTM m(∇_k, state_k; φ), with its own recurrent state,
 *
 * <pre>
 *   θ_{t+1} = θ_t + s · (W_out h²_t + b_out),   (h¹_t, c¹_t) = LSTM₀(x_t, ·),  (h²_t, c²_t) = LSTM₁(h¹_t, ·)
 * </pre>
 *
 * with the input x_t the raw gradient or the paper's preprocessing (Appendix A), for p = 10,
 * (log|∇|/p, sgn ∇) when |∇| ≥ e^{−p} and (−1, e^p ∇) otherwise; s is the output scale (0.1).
 * The coordinates are the rows of the {@link LstmCell}, so one cell step updates all of them, for all
 * tasks of the leading axis. Parameters: {@code lstm0.*}, {@code lstm1.*} (see {@link LstmCell}),
 * {@code out.weight [H, 1]}, {@code out.bias [1]}.
 *
 * <p>As in the paper, the gradient is by default a constant input (∂∇_t/∂φ = 0, "dropping second
 * derivatives"): φ enters the meta-loss only through the θ_t it produces; {@link
 * LstmOptimizerTrainer} can keep them instead.
 */
public final class LstmOptimizer {
  /** The LSTM's input encoding of a gradient coordinate. */
  public enum Preprocessing {
    /** x = ∇ (one feature). */
    NONE,
    /** The paper's (log|∇|/p, sgn ∇) or (−1, e^p ∇), p = 10 (two features). */
    LOG_AND_SIGN
  }

  public static final double P = 10;
  public static final String OUT_WEIGHT = "out.weight";
  public static final String OUT_BIAS = "out.bias";

  private final int hidden;
  private final Preprocessing preprocessing;
  private final double outputScale;
  private final LstmCell first;
  private final LstmCell second;

  /** One step's result: the new point (on the tape) and the new recurrent states of both layers. */
  public record Step(Tensor theta, List<LstmCell.State> states) {}

  public LstmOptimizer(int hidden, Preprocessing preprocessing, double outputScale) {
    if (hidden <= 0) {
      throw new IllegalArgumentException("LstmOptimizer: hidden size must be positive, got " + hidden);
    }
    if (preprocessing == null) {
      throw new IllegalArgumentException("LstmOptimizer: preprocessing must be given");
    }
    if (!(outputScale > 0) || !Double.isFinite(outputScale)) {
      throw new IllegalArgumentException("LstmOptimizer: output scale must be positive and finite, got "
          + outputScale);
    }
    this.hidden = hidden;
    this.preprocessing = preprocessing;
    this.outputScale = outputScale;
    this.first = new LstmCell("lstm0.", preprocessing == Preprocessing.NONE ? 1 : 2, hidden);
    this.second = new LstmCell("lstm1.", hidden, hidden);
  }

  /** The paper's setting: two layers of 20 units, preprocessing, output scale 0.1. */
  public static LstmOptimizer paper() {
    return new LstmOptimizer(20, Preprocessing.LOG_AND_SIGN, 0.1);
  }

  public int hidden() {
    return hidden;
  }

  public Preprocessing preprocessing() {
    return preprocessing;
  }

  public double outputScale() {
    return outputScale;
  }

  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> m = new LinkedHashMap<>(first.parameterShapes());
    m.putAll(second.parameterShapes());
    m.put(OUT_WEIGHT, new long[] {hidden, 1});
    m.put(OUT_BIAS, new long[] {1});
    return m;
  }

  /** Seeded float64 initial φ: each cell U(±1/√H), the output layer U(±1/√H). */
  public Params init(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    first.init(rng.nextLong(), DataType.DOUBLE).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    second.init(rng.nextLong(), DataType.DOUBLE).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    double bound = 1 / Math.sqrt(hidden);
    m.put(OUT_WEIGHT, Tensor.variable(Layers.uniform(rng, bound, DataType.DOUBLE, hidden, 1), OUT_WEIGHT));
    m.put(OUT_BIAS, Tensor.variable(Layers.uniform(rng, bound, DataType.DOUBLE, 1), OUT_BIAS));
    return Params.of(m);
  }

  /**
   * A parameter setting under which this optimizer is heavy-ball momentum, v_t = μ v_{t−1} + ∇_t,
   * θ_{t+1} = θ_t − α v_t (μ = 0: SGD), to float64 rounding. Derivation: unit 0 of the first layer
   * has its input, forget and output gates pinned by biases to σ(50) = 1 (exactly, in float64),
   * σ(logit μ) = μ and 1, and reads ε∇ into its cell, so c¹ = ε v; ε = 1e-10 keeps every tanh argument
   * (|ε v| ≲ 1e-8) in the range where tanh x = x to rounding. The second layer's unit 0 copies it
   * (input and output gates 1, forget gate σ(−50) ≈ 2e-22), and the output weight −α / (s ε) turns
   * ε v into −α v. All other units have zero weights and biases, so their cells and outputs stay 0.
   * Needs {@link Preprocessing#NONE} (the paper's encoding is not linear in ∇).
   */
  public Params pinnedToMomentum(double lr, double mu) {
    if (preprocessing != Preprocessing.NONE) {
      throw new IllegalArgumentException("LstmOptimizer.pinnedToMomentum: needs preprocessing NONE, have "
          + preprocessing);
    }
    if (!(lr > 0) || !Double.isFinite(lr) || !(mu >= 0 && mu < 1)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "LstmOptimizer.pinnedToMomentum: need lr > 0 and 0 <= mu < 1, got lr %g, mu %g", lr, mu));
    }
    double eps = 1e-10;
    double big = 50;
    int h = hidden;
    INDArray w0 = Nd4j.zeros(DataType.DOUBLE, 1, 4L * h);
    INDArray b0 = Nd4j.zeros(DataType.DOUBLE, 4L * h);
    w0.putScalar(new long[] {0, 2L * h}, eps);
    b0.putScalar(0, big);
    b0.putScalar(h, mu == 0 ? -big : Math.log(mu / (1 - mu)));
    b0.putScalar(3L * h, big);
    INDArray w1 = Nd4j.zeros(DataType.DOUBLE, h, 4L * h);
    INDArray b1 = Nd4j.zeros(DataType.DOUBLE, 4L * h);
    w1.putScalar(new long[] {0, 2L * h}, 1.0);
    b1.putScalar(0, big);
    b1.putScalar(h, -big);
    b1.putScalar(3L * h, big);
    INDArray out = Nd4j.zeros(DataType.DOUBLE, h, 1);
    out.putScalar(new long[] {0, 0}, -lr / (outputScale * eps));
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    m.put(first.weightIh(), Tensor.variable(w0, first.weightIh()));
    m.put(first.weightHh(), Tensor.variable(Nd4j.zeros(DataType.DOUBLE, h, 4L * h), first.weightHh()));
    m.put(first.bias(), Tensor.variable(b0, first.bias()));
    m.put(second.weightIh(), Tensor.variable(w1, second.weightIh()));
    m.put(second.weightHh(), Tensor.variable(Nd4j.zeros(DataType.DOUBLE, h, 4L * h), second.weightHh()));
    m.put(second.bias(), Tensor.variable(b1, second.bias()));
    m.put(OUT_WEIGHT, Tensor.variable(out, OUT_WEIGHT));
    m.put(OUT_BIAS, Tensor.variable(Nd4j.zeros(DataType.DOUBLE, 1), OUT_BIAS));
    return Params.of(m);
  }

  /** Zero states of both layers for θ {@code [T, d, 1]}. */
  public List<LstmCell.State> zeroStates(long tasks, long dim) {
    return List.of(first.zeroState(tasks, dim, DataType.DOUBLE), second.zeroState(tasks, dim, DataType.DOUBLE));
  }

  /**
   * The LSTM's input {@code [T, d, F]} for a gradient {@code [T, d, 1]}, on the tape (so that with
   * second derivatives ∂x/∂∇ is kept; sgn ∇ and the −1 are constants, whose derivative is 0).
   */
  public Tensor features(Tensor gradient) {
    if (preprocessing == Preprocessing.NONE) {
      return gradient;
    }
    return logAndSign(gradient);
  }

  /**
   * The paper's encoding (Appendix A, p = 10) of any {@code [T, n, 1]} input, on the tape:
   * (log|x|/p, sgn x) when |x| ≥ e^{−p}, else (−1, e^p x); {@code [T, n, 2]}. Also the input
   * encoding of the meta-learner LSTM ({@link MetaLearnerLstm}), which applies it to gradients and losses.
   */
  public static Tensor logAndSign(Tensor gradient) {
    INDArray g = gradient.value();
    INDArray large = Transforms.abs(g, true).gte(Math.exp(-P));
    Tensor one = Tensor.constant(Nd4j.ones(g.dataType(), 1));
    // ½ log ∇² / p, with ∇² replaced by 1 where the other branch is taken (no log 0 on the tape).
    Tensor logMagnitude = Ops.mulScalar(Ops.log(Ops.where(large, Ops.square(gradient), one)), 0.5 / P);
    Tensor first = Ops.where(large, logMagnitude, Ops.neg(one));
    Tensor second = Ops.where(large, Tensor.constant(Transforms.sign(g, true)), Ops.mulScalar(gradient, Math.exp(P)));
    return Ops.concat(2, List.of(first, second));
  }

  /**
   * One update of every coordinate of θ {@code [T, d, 1]} from the gradient there (a constant, or on
   * the tape for second derivatives).
   */
  public Step step(Params phi, Tensor theta, Tensor gradient, List<LstmCell.State> states) {
    if (theta.rank() != 3 || theta.size(2) != 1 || !java.util.Arrays.equals(theta.shape(), gradient.shape())) {
      throw new IllegalArgumentException("LstmOptimizer: θ and its gradient must both be [T, d, 1], got "
          + java.util.Arrays.toString(theta.shape()) + " and " + java.util.Arrays.toString(gradient.shape()));
    }
    if (states.size() != 2) {
      throw new IllegalArgumentException("LstmOptimizer: need the states of 2 layers, got " + states.size());
    }
    LstmCell.State s0 = first.step(phi, features(gradient), states.get(0));
    LstmCell.State s1 = second.step(phi, s0.h(), states.get(1));
    Tensor out = Ops.linear(s1.h(), phi.get(OUT_WEIGHT), phi.get(OUT_BIAS));
    return new Step(Ops.add(theta, Ops.mulScalar(out, outputScale)), List.of(s0, s1));
  }

  /** The optimizer with fixed φ as an {@link UpdateRule} (evaluated off the tape). */
  public UpdateRule rule(String name, Params phi) {
    Params fixed = phi.detach();
    return new UpdateRule() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Run start(long[] shape) {
        List<List<LstmCell.State>> states = new ArrayList<>(List.of(zeroStates(shape[0], shape[1])));
        return (theta, g) -> {
          try (GradMode.Scope s = GradMode.noGrad()) {
            Step next = step(fixed, Tensor.constant(theta), Tensor.constant(g), states.get(0));
            // Copies that outlive the caller's per-step MemoryScope (UpdateRule.lossCurve); no-ops outside one.
            List<LstmCell.State> kept = new ArrayList<>();
            for (LstmCell.State st : next.states()) {
              kept.add(new LstmCell.State(MemoryScope.keep(st.h()), MemoryScope.keep(st.c())));
            }
            states.set(0, kept);
            return next.theta().value();
          }
        };
      }
    };
  }
}
