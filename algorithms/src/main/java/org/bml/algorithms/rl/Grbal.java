package org.bml.algorithms.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * GrBAL, gradient-based adaptive learner (Nagabandi, Clavera, Liu, Fearing, Abbeel, Levine &amp;
 * Finn, "Learning to Adapt in Dynamic, Real-World Environments through Meta-Reinforcement
 * Learning", ICLR 2019, §4.1–4.2): a dynamics model meta-trained with MAML so that one gradient
 * step on the last M transitions of the current episode fits the next K, then used by a
 * model-predictive controller.
 *
 * <p>Model: an MLP {@code (cos θ, sin θ, ω/8, u/MAX) → (Δθ, Δω)} ({@link Pendulum}). Meta-loss
 * (the paper's eq. 3): for a segment of M+K consecutive transitions of one task,
 * {@code φ = θ − α ∇θ L(θ; first M)}, loss {@code L(φ; next K)}, L the mean squared error of the
 * predicted state change, second order through the inner step, averaged over the tasks of a
 * meta-batch and minimised by Adam. With {@code α = 0} it is the plain prediction loss on the
 * K transitions, i.e. the non-adaptive model. Control: random shooting (as the paper's MPC),
 * {@code candidates} uniform torque sequences of {@code horizon} steps scored by rolling the
 * adapted model forward, first action applied; the model is re-adapted every step on the last M
 * real transitions of the episode (fewer at its start; none before the first).
 *
 * <p>Differences from the paper, stated: data is collected once with uniformly random torques on
 * the training tasks (the paper alternates meta-training with on-policy MPC data); the
 * inner step size is fixed (the paper also learns it in some experiments); no input normalisation
 * beyond fixed scales.
 */
public final class Grbal {
  /**
   * @param hidden hidden widths of the dynamics MLP
   * @param past M, transitions adapted on
   * @param future K, transitions predicted after adaptation
   * @param innerLr α (0: no adaptation)
   */
  public record Config(int[] hidden, int past, int future, double innerLr) {
    public Config {
      hidden = hidden.clone();
      for (int h : hidden) {
        if (h <= 0) {
          throw new IllegalArgumentException("Grbal: hidden widths must be positive, got " + h);
        }
      }
      if (past < 1 || future < 1) {
        throw new IllegalArgumentException("Grbal: past M and future K must be >= 1, got " + past + " and " + future);
      }
      if (!(innerLr >= 0) || !Double.isFinite(innerLr)) {
        throw new IllegalArgumentException("Grbal: inner-lr must be finite and >= 0, got " + innerLr);
      }
    }
  }

  /** Transitions of one task: {@code states[t]}, {@code actions[t]}, next state {@code states[t + 1]}. */
  public record Rollout(double[][] states, double[] actions, double[] rewards) {
    public int length() {
      return actions.length;
    }

    public double totalReward() {
      double s = 0;
      for (double r : rewards) {
        s += r;
      }
      return s;
    }
  }

  static final double OMEGA_SCALE = 8;
  private final Config config;
  private final Mlp mlp;

  public Grbal(Config config) {
    this.config = config;
    int[] w = new int[config.hidden().length + 2];
    w[0] = 4;
    System.arraycopy(config.hidden(), 0, w, 1, config.hidden().length);
    w[w.length - 1] = 2;
    this.mlp = new Mlp(Activation.TANH, w);
  }

  public Config config() {
    return config;
  }

  public Params init(long seed, DataType dtype) {
    return mlp.init(seed, dtype);
  }

  /** Model inputs {@code [4]} of a state and torque. */
  static double[] features(double[] s, double u) {
    double torque = Math.max(-Pendulum.MAX_TORQUE, Math.min(Pendulum.MAX_TORQUE, u));
    return new double[] {Math.cos(s[0]), Math.sin(s[0]), s[1] / OMEGA_SCALE, torque / Pendulum.MAX_TORQUE};
  }

  /** Inputs {@code [T, n, 4]} and targets {@code [T, n, 2]} of transitions {@code from .. from+n−1} of each rollout. */
  static Tensor[] data(List<Rollout> rollouts, int[] from, int n, DataType dtype) {
    int tasks = rollouts.size();
    double[] x = new double[tasks * n * 4];
    double[] y = new double[tasks * n * 2];
    for (int t = 0; t < tasks; t++) {
      Rollout r = rollouts.get(t);
      for (int i = 0; i < n; i++) {
        int k = from[t] + i;
        System.arraycopy(features(r.states()[k], r.actions()[k]), 0, x, (t * n + i) * 4, 4);
        y[(t * n + i) * 2] = r.states()[k + 1][0] - r.states()[k][0];
        y[(t * n + i) * 2 + 1] = r.states()[k + 1][1] - r.states()[k][1];
      }
    }
    return new Tensor[] {Tensor.constant(Nd4j.create(x, new long[] {tasks, n, 4}, DataType.DOUBLE).castTo(dtype)),
        Tensor.constant(Nd4j.create(y, new long[] {tasks, n, 2}, DataType.DOUBLE).castTo(dtype))};
  }

  /** Per-task mean squared error {@code [T]}. */
  public Tensor loss(Params p, Tensor x, Tensor y) {
    return Ops.mean(Ops.square(Ops.sub(mlp.forward(p, x), y)), false, 1, 2);
  }

  /** One inner step per task from {@code theta} on {@code (x, y)} ({@code theta} shared or per task). */
  public Params adapt(Params theta, Tensor x, Tensor y, boolean createGraph) {
    if (config.innerLr() == 0) {
      return theta;
    }
    Params phi = theta.get(Mlp.weight(0)).rank() == 2 ? theta.expand(x.size(0)) : theta;
    Tensor l = Ops.sum(loss(phi, x, y), false);
    List<Tensor> g = Autodiff.grad(List.of(l), null, phi.tensors(), createGraph, true);
    List<Tensor> next = new ArrayList<>(g.size());
    for (int i = 0; i < g.size(); i++) {
      next.add(Ops.sub(phi.tensors().get(i), Ops.mulScalar(g.get(i), config.innerLr())));
    }
    return Params.of(phi.names(), next);
  }

  /** The meta-loss of segments starting at {@code from[t]} of each task's rollout: mean over tasks. */
  public Tensor metaLoss(Params theta, List<Rollout> rollouts, int[] from, DataType dtype) {
    int[] after = new int[from.length];
    for (int t = 0; t < from.length; t++) {
      after[t] = from[t] + config.past();
    }
    Tensor[] past = data(rollouts, from, config.past(), dtype);
    Tensor[] future = data(rollouts, after, config.future(), dtype);
    Params phi = adapt(theta, past[0], past[1], true);
    return Ops.mean(loss(phi, future[0], future[1]), false);
  }

  /** The plain prediction loss on all M+K transitions of each segment (the non-adaptive model's objective). */
  public Tensor plainLoss(Params theta, List<Rollout> rollouts, int[] from, DataType dtype) {
    Tensor[] all = data(rollouts, from, config.past() + config.future(), dtype);
    return Ops.mean(loss(theta, all[0], all[1]), false);
  }

  /** A rollout of {@code steps} uniformly random torques on task {@code d}. */
  public static Rollout randomRollout(Pendulum.Dynamics d, int steps, SplittableRandom rng) {
    double[][] s = new double[steps + 1][];
    double[] a = new double[steps];
    double[] r = new double[steps];
    s[0] = new double[] {rng.nextDouble(-Math.PI, Math.PI), rng.nextDouble(-2, 2)};
    for (int t = 0; t < steps; t++) {
      a[t] = rng.nextDouble(-Pendulum.MAX_TORQUE, Pendulum.MAX_TORQUE);
      s[t + 1] = Pendulum.step(d, s[t], a[t]);
      r[t] = Pendulum.reward(s[t + 1], a[t]);
    }
    return new Rollout(s, a, r);
  }

  /** Training settings: meta-iterations, tasks per meta-batch, Adam step, seed. */
  public record Training(int iterations, int metaBatch, double outerLr, long seed) {}

  /**
   * Meta-trains on {@code data} (one random rollout per training task); with {@code adaptive}
   * false, trains the same model on {@link #plainLoss} instead (the non-adaptive baseline, with
   * the same segments and steps). Returns the trained parameters and the loss of every iteration.
   */
  public Params train(List<Rollout> data, Training t, boolean adaptive, DataType dtype, double[] losses) {
    MetaOptimizer opt = new MetaOptimizer(init(t.seed(), dtype), new Adam(t.outerLr()), 0);
    SplittableRandom rng = new SplittableRandom(t.seed() ^ 0x5DEECE66DL);
    int span = config.past() + config.future();
    for (int it = 0; it < t.iterations(); it++) {
      List<Rollout> batch = new ArrayList<>(t.metaBatch());
      int[] from = new int[t.metaBatch()];
      for (int b = 0; b < t.metaBatch(); b++) {
        Rollout r = data.get(rng.nextInt(data.size()));
        if (r.length() < span) {
          throw new IllegalArgumentException("Grbal: rollouts of " + r.length() + " steps are shorter than M + K = "
              + span);
        }
        batch.add(r);
        from[b] = rng.nextInt(r.length() - span + 1);
      }
      Tensor loss = adaptive ? metaLoss(opt.params(), batch, from, dtype) : plainLoss(opt.params(), batch, from, dtype);
      if (losses != null) {
        losses[it] = loss.value().getDouble(0);
      }
      opt.step(Autodiff.grad(List.of(loss), null, opt.params().tensors(), false, true));
    }
    return opt.params().detach();
  }

  /**
   * MPC settings: with {@code cemIterations = 0} random shooting (the paper's controller: the best of
   * {@code candidates} uniform action sequences); with {@code cemIterations = I > 0} the cross-entropy
   * method (Rubinstein 1999; the planner of Nagabandi et al.'s later PETS/PDDM line): I rounds of
   * {@code candidates} Gaussian sequences, each round refitting the per-step mean and standard deviation
   * to the best {@code elites}, then acting with the final mean's first action.
   */
  public record Mpc(int candidates, int horizon, int episodeSteps, int cemIterations, int elites) {
    /** Random shooting. */
    public Mpc(int candidates, int horizon, int episodeSteps) {
      this(candidates, horizon, episodeSteps, 0, 1);
    }

    public Mpc {
      if (candidates < 1 || horizon < 1 || episodeSteps < 1) {
        throw new IllegalArgumentException("Grbal MPC: candidates, horizon and steps must be >= 1, got " + candidates
            + ", " + horizon + ", " + episodeSteps);
      }
      if (cemIterations < 0 || elites < 1 || elites > candidates) {
        throw new IllegalArgumentException("Grbal MPC: CEM iterations must be >= 0 and elites in [1, candidates = "
            + candidates + "], got " + cemIterations + " and " + elites);
      }
    }
  }

  /**
   * One MPC episode on task {@code d} from a seeded start; the model adapts every step on the
   * last M real transitions when {@code adapt} (and α > 0). Also returns, through
   * {@code predictionError[0]}, the mean squared error of the model used at each step on the
   * transition that step produced.
   */
  public Rollout control(Params theta, Pendulum.Dynamics d, Mpc mpc, boolean adapt, long seed,
      double[] predictionError) {
    SplittableRandom rng = new SplittableRandom(seed);
    int steps = mpc.episodeSteps();
    double[][] s = new double[steps + 1][];
    double[] a = new double[steps];
    double[] r = new double[steps];
    s[0] = Pendulum.start(rng);
    DataType dtype = theta.tensors().get(0).dtype();
    double err = 0;
    try (GradMode.Scope ng = GradMode.noGrad()) {
      for (int t = 0; t < steps; t++) {
        Params model = theta;
        int m = Math.min(t, config.past());
        if (adapt && m > 0 && config.innerLr() > 0) {
          Rollout sofar = new Rollout(s, a, r);
          Tensor[] past = data(List.of(sofar), new int[] {t - m}, m, dtype);
          try (GradMode.Scope g = GradMode.enableGrad()) {
            Params phi = adapt(theta.asVariables(), past[0], past[1], false);
            model = Params.of(phi.names(), phi.tensors().stream().map(x -> Tensor.constant(x.value().slice(0))).toList());
          }
        }
        double[][] w = weights(model);
        a[t] = plan((x, u) -> forward(w, features(x, u)), s[t], mpc, rng);
        s[t + 1] = Pendulum.step(d, s[t], a[t]);
        r[t] = Pendulum.reward(s[t + 1], a[t]);
        double[] pred = forward(w, features(s[t], a[t]));
        double e0 = pred[0] - (s[t + 1][0] - s[t][0]);
        double e1 = pred[1] - (s[t + 1][1] - s[t][1]);
        err += 0.5 * (e0 * e0 + e1 * e1);
      }
    }
    if (predictionError != null) {
      predictionError[0] = err / steps;
    }
    return new Rollout(s, a, r);
  }

  /** A one-step model: the predicted change of the state. */
  @FunctionalInterface
  public interface StepModel {
    double[] delta(double[] s, double u);
  }

  /**
   * An MPC episode planned with the true dynamics of {@code d} (the upper bound a learned model
   * can reach with this controller), from the same seeded start as {@link #control}.
   */
  public static Rollout controlWithTrueModel(Pendulum.Dynamics d, Mpc mpc, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int steps = mpc.episodeSteps();
    double[][] s = new double[steps + 1][];
    double[] a = new double[steps];
    double[] r = new double[steps];
    s[0] = Pendulum.start(rng);
    StepModel truth = (x, u) -> {
      double[] n = Pendulum.step(d, x, u);
      return new double[] {n[0] - x[0], n[1] - x[1]};
    };
    for (int t = 0; t < steps; t++) {
      a[t] = plan(truth, s[t], mpc, rng);
      s[t + 1] = Pendulum.step(d, s[t], a[t]);
      r[t] = Pendulum.reward(s[t + 1], a[t]);
    }
    return new Rollout(s, a, r);
  }

  private static double plan(StepModel model, double[] s0, Mpc mpc, SplittableRandom rng) {
    return mpc.cemIterations() == 0 ? randomShooting(model, s0, mpc, rng) : crossEntropy(model, s0, mpc, rng);
  }

  // The return of one action sequence under the model from s0.
  private static double sequenceReturn(StepModel model, double[] s0, double[] u) {
    double[] s = s0.clone();
    double total = 0;
    for (double ui : u) {
      double[] delta = model.delta(s, ui);
      s = new double[] {s[0] + delta[0], s[1] + delta[1]};
      total += Pendulum.reward(s, ui);
    }
    return total;
  }

  // CEM from N(0, (MAX_TORQUE/2)²) per step, actions clipped to the torque limit; ties keep the earlier candidate.
  private static double crossEntropy(StepModel model, double[] s0, Mpc mpc, SplittableRandom rng) {
    int h = mpc.horizon();
    int n = mpc.candidates();
    double[] mean = new double[h];
    double[] std = new double[h];
    java.util.Arrays.fill(std, Pendulum.MAX_TORQUE / 2);
    double[][] u = new double[n][h];
    double[] score = new double[n];
    Integer[] order = new Integer[n];
    for (int it = 0; it < mpc.cemIterations(); it++) {
      for (int c = 0; c < n; c++) {
        for (int k = 0; k < h; k++) {
          u[c][k] = Math.max(-Pendulum.MAX_TORQUE, Math.min(Pendulum.MAX_TORQUE, mean[k] + std[k] * rng.nextGaussian()));
        }
        score[c] = sequenceReturn(model, s0, u[c]);
        order[c] = c;
      }
      java.util.Arrays.sort(order, (x, y) -> Double.compare(score[y], score[x]));
      int e = mpc.elites();
      for (int k = 0; k < h; k++) {
        double m = 0;
        for (int j = 0; j < e; j++) {
          m += u[order[j]][k];
        }
        m /= e;
        double v = 0;
        for (int j = 0; j < e; j++) {
          double dlt = u[order[j]][k] - m;
          v += dlt * dlt;
        }
        mean[k] = m;
        std[k] = Math.sqrt(v / e);
      }
    }
    return mean[0];
  }

  private static double randomShooting(StepModel model, double[] s0, Mpc mpc, SplittableRandom rng) {
    double best = Double.NEGATIVE_INFINITY;
    double first = 0;
    for (int c = 0; c < mpc.candidates(); c++) {
      double[] s = s0.clone();
      double total = 0;
      double u0 = 0;
      for (int h = 0; h < mpc.horizon(); h++) {
        double u = rng.nextDouble(-Pendulum.MAX_TORQUE, Pendulum.MAX_TORQUE);
        if (h == 0) {
          u0 = u;
        }
        double[] delta = model.delta(s, u);
        s = new double[] {s[0] + delta[0], s[1] + delta[1]};
        total += Pendulum.reward(s, u);
      }
      if (total > best) {
        best = total;
        first = u0;
      }
    }
    return first;
  }

  /** The layers' weights and biases as plain arrays: {@code w[2i]} = weight (row major [in, out]), {@code w[2i+1]} = bias. */
  private double[][] weights(Params p) {
    int layers = mlp.layers();
    double[][] w = new double[2 * layers][];
    for (int i = 0; i < layers; i++) {
      INDArray wi = p.get(Mlp.weight(i)).value().castTo(DataType.DOUBLE).dup('c');
      w[2 * i] = wi.data().asDouble();
      w[2 * i + 1] = p.get(Mlp.biasName(i)).value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
    return w;
  }

  /** The MLP in plain Java (MPC scores thousands of one-row inputs; the tape would cost more than the arithmetic). */
  private static double[] forward(double[][] w, double[] x) {
    double[] h = x;
    int layers = w.length / 2;
    for (int i = 0; i < layers; i++) {
      double[] b = w[2 * i + 1];
      double[] wi = w[2 * i];
      int out = b.length;
      int in = h.length;
      double[] next = b.clone();
      for (int k = 0; k < in; k++) {
        double hk = h[k];
        for (int j = 0; j < out; j++) {
          next[j] += hk * wi[k * out + j];
        }
      }
      if (i < layers - 1) {
        for (int j = 0; j < out; j++) {
          next[j] = Math.tanh(next[j]);
        }
      }
      h = next;
    }
    return h;
  }
}
