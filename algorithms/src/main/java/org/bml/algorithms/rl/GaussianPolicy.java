package org.bml.algorithms.rl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Gaussian policy π(a | s) = N(μ(s), diag σ²) with μ a ReLU MLP 2-h-…-2 and a state-independent
 * learned log σ ({@value #LOG_STD}), the MAML-RL policy. Pure: parameters are passed in, with or
 * without a leading task axis (one policy per task after adaptation). The
 * {@linkplain #goalConditioned goal-conditioned} variant sees the task's goal as two more inputs,
 * μ(s, g): the "oracle" of Finn et al. 2017, Fig. 5; its rollouts store the states as [s, g].
 */
public final class GaussianPolicy {
  /** Name of log σ, {@code [2]} (or {@code [T, 2]} per task). */
  public static final String LOG_STD = "policy.log_std";
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final Mlp mean;
  private final double initialLogStd;
  private final boolean goalInput;

  /** @param hidden hidden widths of μ (may be empty: a linear policy) */
  public GaussianPolicy(double initialLogStd, int... hidden) {
    this(false, initialLogStd, hidden);
  }

  /** The oracle policy μ(s, g): the goal is an input (Finn et al. 2017, Fig. 5, "oracle"). */
  public static GaussianPolicy goalConditioned(double initialLogStd, int... hidden) {
    return new GaussianPolicy(true, initialLogStd, hidden);
  }

  private GaussianPolicy(boolean goalInput, double initialLogStd, int... hidden) {
    this.goalInput = goalInput;
    int[] w = new int[hidden.length + 2];
    w[0] = goalInput ? 4 : 2;
    System.arraycopy(hidden, 0, w, 1, hidden.length);
    w[w.length - 1] = 2;
    for (int h : hidden) {
      if (h <= 0) {
        throw new IllegalArgumentException("GaussianPolicy: hidden widths must be positive, got " + h);
      }
    }
    if (!Double.isFinite(initialLogStd)) {
      throw new IllegalArgumentException("GaussianPolicy: initial log std must be finite, got " + initialLogStd);
    }
    this.mean = new Mlp(Activation.RELU, w);
    this.initialLogStd = initialLogStd;
  }

  public Params init(long seed, DataType dtype) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    mean.init(seed, dtype).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    m.put(LOG_STD, Tensor.variable(Nd4j.valueArrayOf(new long[] {2}, initialLogStd).castTo(dtype), LOG_STD));
    return Params.of(m);
  }

  /** Whether the goal is an input (states [s, g], 4-d). */
  public boolean goalConditioned() {
    return goalInput;
  }

  /** μ(s) {@code [T, M, 2]} for states {@code [T, M, 2]} ({@code [T, M, 4]}, [s, g], goal-conditioned). */
  public Tensor mean(Params p, Tensor states) {
    return mean.forward(p.subset(mean.parameterShapes().keySet()), states);
  }

  /** log σ shaped to broadcast against {@code [T, M, 2]}. */
  private static Tensor logStd(Params p) {
    Tensor l = p.get(LOG_STD);
    return l.rank() == 1 ? Ops.reshape(l, 1, 1, 2) : Ops.reshape(l, l.size(0), 1, 2);
  }

  /** log π(a | s) {@code [T, M]} for states and actions {@code [T, M, 2]}. */
  public Tensor logProb(Params p, Tensor states, Tensor actions) {
    Tensor ls = logStd(p);
    Tensor z = Ops.mul(Ops.sub(actions, mean(p, states)), Ops.exp(Ops.neg(ls)));
    Tensor per = Ops.add(Ops.mulScalar(Ops.square(z), 0.5), Ops.addScalar(ls, 0.5 * LOG_2PI));
    return Ops.neg(Ops.sum(per, false, 2));
  }

  /**
   * {@code episodes} rollouts of {@code horizon} steps per task from the origin, task t heading
   * for {@code goals[t]}, with actions a = μ(s) + σ ε, ε from {@code seed}. Runs without a tape.
   */
  public Trajectories rollout(Params p, double[][] goals, int episodes, int horizon, long seed) {
    if (episodes <= 0 || horizon <= 0) {
      throw new IllegalArgumentException("GaussianPolicy.rollout: episodes and horizon must be positive, got "
          + episodes + " and " + horizon);
    }
    int tasks = goals.length;
    double[][][][] s = new double[tasks][episodes][horizon][];
    double[][][][] a = new double[tasks][episodes][horizon][];
    double[][][] r = new double[tasks][episodes][horizon];
    double[][][] current = new double[tasks][episodes][];
    for (double[][] task : current) {
      for (int n = 0; n < episodes; n++) {
        task[n] = new double[2];
      }
    }
    Random rng = new Random(seed);
    DataType dtype = p.get(LOG_STD).dtype();
    try (GradMode.Scope ng = GradMode.noGrad()) {
      // Read back in bulk (one copy per step, not one getDouble per element): same values, same order.
      double[] sigma = Ops.exp(logStd(p)).value().castTo(DataType.DOUBLE).dup().data().asDouble();
      boolean perTask = sigma.length > 2;
      for (int h = 0; h < horizon; h++) {
        int width = goalInput ? 4 : 2;
        double[] flat = new double[tasks * episodes * width];
        for (int t = 0, i = 0; t < tasks; t++) {
          for (int n = 0; n < episodes; n++) {
            flat[i++] = current[t][n][0];
            flat[i++] = current[t][n][1];
            if (goalInput) {
              flat[i++] = goals[t][0];
              flat[i++] = goals[t][1];
            }
          }
        }
        double[] mu = mean(p, Tensor.constant(Nd4j.create(flat, new long[] {tasks, episodes, width}, DataType.DOUBLE)
            .castTo(dtype))).value().castTo(DataType.DOUBLE).dup().data().asDouble();
        for (int t = 0; t < tasks; t++) {
          for (int n = 0; n < episodes; n++) {
            double[] act = new double[2];
            for (int d = 0; d < 2; d++) {
              act[d] = mu[(t * episodes + n) * 2 + d] + sigma[(perTask ? t : 0) * 2 + d] * rng.nextGaussian();
            }
            double[] next = PointNavigation.step(current[t][n], act);
            s[t][n][h] = goalInput ? new double[] {current[t][n][0], current[t][n][1], goals[t][0], goals[t][1]}
                : current[t][n];
            a[t][n][h] = act;
            r[t][n][h] = PointNavigation.reward(next, goals[t]);
            current[t][n] = next;
          }
        }
      }
    }
    return new Trajectories(s, a, r);
  }
}
