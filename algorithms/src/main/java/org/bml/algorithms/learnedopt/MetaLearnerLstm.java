package org.bml.algorithms.learnedopt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bml.algorithms.ModelLearner;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Layers;
import org.bml.core.model.LstmCell;
import org.bml.core.model.Model;
import org.bml.core.model.ParamNames;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.GradientSteps;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The meta-learner LSTM of Ravi &amp; Larochelle, "Optimization as a Model for Few-Shot Learning"
 * (ICLR 2017): the learner's parameters θ are the cell state of an LSTM whose gates are a learned
 * step size and a learned decay, applied to every coordinate of θ with shared weights (§3.1–3.2),
 *
 * <pre>
 *   θ_t = f_t ⊙ θ_{t−1} − i_t ⊙ ∇_t                          (c̃_t = −∇_{θ_{t−1}} L_t)
 *   i_t = σ(W_I · [h_t, θ_{t−1}, i_{t−1}] + b_I)              (input gate: the step size)
 *   f_t = σ(W_F · [h_t, θ_{t−1}, f_{t−1}] + b_F)              (forget gate: the decay)
 *   h_t = LSTM(x_t, h_{t−1}),  x_t = (pre(∇_t), pre(L_t))     (the paper's first, ordinary LSTM layer)
 * </pre>
 *
 * with pre the preprocessing of Andrychowicz et al. 2016 (Appendix A, {@link LstmOptimizer#logAndSign}),
 * L_t the task's support loss at θ_{t−1} (the same for all coordinates) and i_0 = f_0 = 0. The
 * learner's initial parameters θ_0, the cell's initial state, are meta-learned with the LSTM's
 * weights; the meta-loss is the query loss at θ_T after T = {@code innerSteps} updates on the support
 * set, differentiated through the unrolled updates.
 *
 * <p>Second derivatives: as in the paper (§3.2, "we ignore the second derivatives"), by default
 * ({@link GradientOrder#FIRST}) ∇_t and L_t are constants of the meta-gradient, which still flows
 * through θ_{t−1} in the cell and the gate inputs. {@link GradientOrder#SECOND} keeps them, giving the
 * exact gradient of the meta-loss. Not here: the paper's batch-norm handling and gradient clipping
 * inside the learner (use the trainer's {@code --clip}).
 *
 * <p>Parameters: θ_0 under the model's own names; {@code metalearner.lstm.*} (an {@link LstmCell}
 * with 4 inputs and H units), {@code metalearner.input.weight [H+2, 1]}, {@code .bias [1]},
 * {@code metalearner.forget.weight [H+2, 1]}, {@code .bias [1]}. Initialised as in the paper: gate
 * weights U(±0.01), forget bias large (f ≈ 1, the given value), input bias small (logit of the
 * given initial step size). Immutable.
 */
public final class MetaLearnerLstm extends ModelLearner {
  public static final String PREFIX = ParamNames.META_LEARNER;
  public static final String INPUT_WEIGHT = PREFIX + "input.weight";
  public static final String INPUT_BIAS = PREFIX + "input.bias";
  public static final String FORGET_WEIGHT = PREFIX + "forget.weight";
  public static final String FORGET_BIAS = PREFIX + "forget.bias";
  /** Gate bias whose sigmoid is exactly 1 in float64 (σ(50) = 1/(1 + 2e−22)). */
  public static final double SATURATED = 50;

  private final int innerSteps;
  private final int hidden;
  private final double initialStepSize;
  private final double forgetBias;
  private final GradientOrder order;
  private final LstmCell cell;

  /**
   * @param innerSteps T ≥ 1 updates on the support set during meta-training
   * @param hidden H ≥ 1 units of the first LSTM layer (paper: 20)
   * @param initialStepSize the input gate's initial value σ(b_I), in (0, 1)
   * @param forgetBias the forget gate's initial bias b_F (finite; paper: large, U(4, 6))
   * @param order FIRST: the paper's meta-gradient without second derivatives; SECOND: exact
   */
  public MetaLearnerLstm(Model model, Likelihood likelihood, int innerSteps, int hidden, double initialStepSize,
      double forgetBias, GradientOrder order) {
    super("MetaLearnerLstm", model, likelihood);
    if (innerSteps < 1) {
      throw new IllegalArgumentException("MetaLearnerLstm: inner steps must be >= 1, got " + innerSteps);
    }
    if (hidden < 1) {
      throw new IllegalArgumentException("MetaLearnerLstm: hidden units must be >= 1, got " + hidden);
    }
    if (!(initialStepSize > 0 && initialStepSize < 1)) {
      throw new IllegalArgumentException("MetaLearnerLstm: initial step size is the input gate's value σ(b_I) and "
          + "must be in (0, 1), got " + initialStepSize);
    }
    if (!Double.isFinite(forgetBias)) {
      throw new IllegalArgumentException("MetaLearnerLstm: forget bias must be finite, got " + forgetBias);
    }
    if (order == null) {
      throw new IllegalArgumentException("MetaLearnerLstm: gradient order must be given (FIRST or SECOND)");
    }
    for (String n : model.parameterShapes().keySet()) {
      if (n.startsWith(PREFIX)) {
        throw new IllegalArgumentException("MetaLearnerLstm: model parameter '" + n + "' starts with the reserved "
            + "prefix '" + PREFIX + "'");
      }
    }
    this.innerSteps = innerSteps;
    this.hidden = hidden;
    this.initialStepSize = initialStepSize;
    this.forgetBias = forgetBias;
    this.order = order;
    this.cell = new LstmCell(PREFIX + "lstm.", 4, hidden);
  }

  public int innerSteps() {
    return innerSteps;
  }

  public GradientOrder order() {
    return order;
  }

  /** The meta-learner's own parameter shapes (without θ_0). */
  public LinkedHashMap<String, long[]> learnerShapes() {
    LinkedHashMap<String, long[]> m = new LinkedHashMap<>(cell.parameterShapes());
    m.put(INPUT_WEIGHT, new long[] {hidden + 2L, 1});
    m.put(INPUT_BIAS, new long[] {1});
    m.put(FORGET_WEIGHT, new long[] {hidden + 2L, 1});
    m.put(FORGET_BIAS, new long[] {1});
    return m;
  }

  /** θ_0 from the model's seeded init, then the LSTM's and the gates' weights (paper's init). */
  @Override
  public Params initialize(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
    model.init(rng.nextLong(), dtype).entries().forEach(e -> all.put(e.getKey(), e.getValue()));
    cell.init(rng.nextLong(), dtype).entries().forEach(e -> all.put(e.getKey(), e.getValue()));
    all.put(INPUT_WEIGHT, Tensor.variable(Layers.uniform(rng, 0.01, dtype, hidden + 2L, 1), INPUT_WEIGHT));
    double logit = Math.log(initialStepSize / (1 - initialStepSize));
    all.put(INPUT_BIAS, Tensor.variable(Nd4j.valueArrayOf(new long[] {1}, logit, dtype), INPUT_BIAS));
    all.put(FORGET_WEIGHT, Tensor.variable(Layers.uniform(rng, 0.01, dtype, hidden + 2L, 1), FORGET_WEIGHT));
    all.put(FORGET_BIAS, Tensor.variable(Nd4j.valueArrayOf(new long[] {1}, forgetBias, dtype), FORGET_BIAS));
    return Params.of(all);
  }

  /**
   * The same meta-parameters with both gates pinned: their weights 0 and biases b_I, b_F, so
   * i_t = σ(b_I) and f_t = σ(b_F) whatever the inputs ({@link #SATURATED} for b_F gives f = 1 exactly,
   * and the update is then SGD with step σ(b_I)).
   */
  public static Params pinGates(Params meta, double inputBias, double forgetBias) {
    DataType dt = meta.get(INPUT_WEIGHT).dtype();
    long[] w = meta.get(INPUT_WEIGHT).shape();
    return meta.with(INPUT_WEIGHT, Tensor.variable(Nd4j.zeros(dt, w), INPUT_WEIGHT))
        .with(FORGET_WEIGHT, Tensor.variable(Nd4j.zeros(dt, w), FORGET_WEIGHT))
        .with(INPUT_BIAS, Tensor.variable(Nd4j.valueArrayOf(new long[] {1}, inputBias, dt), INPUT_BIAS))
        .with(FORGET_BIAS, Tensor.variable(Nd4j.valueArrayOf(new long[] {1}, forgetBias, dt), FORGET_BIAS));
  }

  /** θ_0: the model's parameters among the meta-parameters. */
  public Params theta(Params meta) {
    return meta.subset(model.parameterShapes().keySet());
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(likelihood.perTask(adapt(meta, support, innerSteps), query), false);
  }

  /** θ_T per task after {@code steps} updates of the meta-learner on the support set. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("MetaLearnerLstm.adapt: steps must be >= 0, got " + steps);
    }
    long tasks = support.tasks();
    boolean differentiable = GradientSteps.anyRequiresGrad(meta.tensors());
    boolean createGraph = differentiable && order == GradientOrder.SECOND;
    Params theta = theta(meta).expand(tasks);
    List<String> names = theta.names();
    // All coordinates of θ as the rows of one [T, d, 1] tensor: one cell step updates all of them.
    long[] rows = new long[names.size()];
    long d = 0;
    for (int k = 0; k < rows.length; k++) {
      rows[k] = theta.get(names.get(k)).length() / tasks;
      d += rows[k];
    }
    DataType dt = theta.tensors().get(0).dtype();
    Tensor flat = flatten(theta.tensors(), tasks);
    LstmCell.State state = cell.zeroState(tasks, d, dt);
    Tensor inputGate = Tensor.constant(Nd4j.zeros(dt, tasks, d, 1));
    Tensor forgetGate = inputGate;
    for (int t = 0; t < steps; t++) {
      // ∇_t and L_t at θ_{t−1}: constants (the paper) unless second derivatives are kept.
      if (createGraph && !flat.requiresGrad()) {
        flat = flat.asVariable();
      }
      Tensor previous = createGraph ? flat : flat.detach().asVariable();
      Params at = unflatten(previous, names, rows, theta, tasks);
      Tensor loss = likelihood.perTask(at, support);
      Tensor g = Autodiff.grad(Ops.sum(loss, false), previous, createGraph);
      if (!createGraph) {
        loss = loss.detach();
        g = g.detach();
        previous = flat;
      }
      Tensor lossFeatures = Ops.broadcastTo(LstmOptimizer.logAndSign(Ops.reshape(loss, tasks, 1, 1)), tasks, d, 2);
      Tensor x = Ops.concat(2, List.of(LstmOptimizer.logAndSign(g), lossFeatures));
      LstmCell.State s = cell.step(meta, x, state);
      Tensor i = Ops.sigmoid(Ops.linear(Ops.concat(2, List.of(s.h(), previous, inputGate)),
          meta.get(INPUT_WEIGHT), meta.get(INPUT_BIAS)));
      Tensor f = Ops.sigmoid(Ops.linear(Ops.concat(2, List.of(s.h(), previous, forgetGate)),
          meta.get(FORGET_WEIGHT), meta.get(FORGET_BIAS)));
      Tensor updated = Ops.sub(Ops.mul(f, previous), Ops.mul(i, g));
      state = differentiable ? s : s.detach();
      inputGate = differentiable ? i : i.detach();
      forgetGate = differentiable ? f : f.detach();
      flat = differentiable ? updated : updated.detach();
    }
    return unflatten(flat, names, rows, theta, tasks);
  }

  private static Tensor flatten(List<Tensor> perTask, long tasks) {
    List<Tensor> parts = new ArrayList<>(perTask.size());
    for (Tensor p : perTask) {
      parts.add(Ops.reshape(p, tasks, p.length() / tasks, 1));
    }
    return parts.size() == 1 ? parts.get(0) : Ops.concat(1, parts);
  }

  private static Params unflatten(Tensor flat, List<String> names, long[] rows, Params shapes, long tasks) {
    List<Tensor> out = new ArrayList<>(names.size());
    long from = 0;
    for (int k = 0; k < rows.length; k++) {
      Tensor part = rows.length == 1 ? flat : Ops.slice(flat, 1, from, from + rows[k]);
      out.add(Ops.reshape(part, shapes.get(names.get(k)).shape()));
      from += rows[k];
    }
    return Params.of(names, out);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "MetaLearnerLstm(T=%d, H=%d, i0=%g, bF=%g, %s)", innerSteps, hidden,
        initialStepSize, forgetBias, order);
  }
}
