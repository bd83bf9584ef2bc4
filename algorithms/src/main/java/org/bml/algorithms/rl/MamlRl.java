package org.bml.algorithms.rl;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MAML for reinforcement learning (Finn, Abbeel &amp; Levine, "Model-Agnostic Meta-Learning for
 * Fast Adaptation of Deep Networks", ICML 2017, §5.3 and Algorithm 3), on
 * {@link PointNavigation}: per task, K episodes with the current policy, an inner step
 * φ = θ − α ∇_θ L(θ) on the REINFORCE surrogate with the {@link LinearBaseline}
 * <pre>
 *   L(θ) = −(1 / K·H) Σ_episodes Σ_t log π_θ(a_t | s_t) · A_t
 * </pre>
 * then K fresh episodes with φ and the meta-loss L(φ) on them, differentiated through the inner
 * step (second order, as the paper's MAML) in θ. The paper's outer step is TRPO; here the
 * meta-gradient feeds the toolkit's {@link org.bml.core.optim.MetaOptimizer} (Adam), a vanilla
 * policy-gradient outer step — the stated difference. With {@code innerSteps = 0} the same loop is
 * the "pretrained" baseline of the paper's figure: one policy trained on all tasks, then
 * fine-tuned with the same inner step at test time.
 */
public final class MamlRl {
  /**
   * @param episodes K rollouts per task and step
   * @param horizon H steps per episode
   * @param innerLr α
   * @param innerSteps adaptation steps in meta-training (0: pretraining)
   * @param discount γ of the returns-to-go
   * @param normalizeAdvantages whether advantages are standardised per task (rllab's default)
   */
  public record Config(int episodes, int horizon, double innerLr, int innerSteps, double discount,
      boolean normalizeAdvantages) {
    public Config {
      if (episodes <= 0 || horizon <= 0 || innerSteps < 0) {
        throw new IllegalArgumentException("MamlRl: episodes and horizon must be positive and innerSteps >= 0, got "
            + episodes + ", " + horizon + ", " + innerSteps);
      }
      if (!(innerLr >= 0) || !Double.isFinite(innerLr) || !(discount > 0 && discount <= 1)) {
        throw new IllegalArgumentException("MamlRl: innerLr must be finite and >= 0 and discount in (0, 1], got "
            + innerLr + ", " + discount);
      }
    }
  }

  private final GaussianPolicy policy;
  private final Config config;
  private final LinearBaseline baseline = new LinearBaseline(1e-5);

  public MamlRl(GaussianPolicy policy, Config config) {
    if (policy == null || config == null) {
      throw new IllegalArgumentException("MamlRl: policy and config must be given");
    }
    this.policy = policy;
    this.config = config;
  }

  public GaussianPolicy policy() {
    return policy;
  }

  public Config config() {
    return config;
  }

  /** The advantages of a batch under this configuration (baseline fitted per task). */
  public double[][][] advantages(Trajectories batch) {
    double[][][] adv = baseline.advantages(batch, config.discount());
    if (config.normalizeAdvantages()) {
      for (double[][] task : adv) {
        double s = 0;
        double s2 = 0;
        int c = 0;
        for (double[] ep : task) {
          for (double v : ep) {
            s += v;
            s2 += v * v;
            c++;
          }
        }
        double m = s / c;
        double sd = Math.sqrt(Math.max(s2 / c - m * m, 0)) + 1e-8;
        for (double[] ep : task) {
          for (int h = 0; h < ep.length; h++) {
            ep[h] = (ep[h] - m) / sd;
          }
        }
      }
    }
    return adv;
  }

  /** The per-task REINFORCE surrogate {@code [T]} of a batch with given advantages {@code [T][N][H]}. */
  public Tensor surrogate(Params p, Trajectories batch, double[][][] advantages) {
    int tasks = batch.tasks();
    int m = batch.episodes() * batch.horizon();
    double[] s = new double[tasks * m * 2];
    double[] a = new double[tasks * m * 2];
    double[] w = new double[tasks * m];
    for (int t = 0, i = 0, j = 0; t < tasks; t++) {
      for (int n = 0; n < batch.episodes(); n++) {
        for (int h = 0; h < batch.horizon(); h++, j++) {
          s[i] = batch.states()[t][n][h][0];
          a[i++] = batch.actions()[t][n][h][0];
          s[i] = batch.states()[t][n][h][1];
          a[i++] = batch.actions()[t][n][h][1];
          w[j] = advantages[t][n][h];
        }
      }
    }
    DataType dtype = p.get(GaussianPolicy.LOG_STD).dtype();
    Tensor st = Tensor.constant(Nd4j.create(s, new long[] {tasks, m, 2}, DataType.DOUBLE).castTo(dtype));
    Tensor at = Tensor.constant(Nd4j.create(a, new long[] {tasks, m, 2}, DataType.DOUBLE).castTo(dtype));
    Tensor wt = Tensor.constant(Nd4j.create(w, new long[] {tasks, m}, DataType.DOUBLE).castTo(dtype));
    return Ops.neg(Ops.mean(Ops.mul(policy.logProb(p, st, at), wt), false, 1));
  }

  /**
   * φ after {@code steps} inner steps per task from θ (expanded to the tasks), rollouts seeded from
   * {@code seed}; {@code createGraph} keeps the steps differentiable in θ.
   */
  public Params adapt(Params theta, double[][] goals, int steps, long seed, boolean createGraph) {
    if (steps < 0) {
      throw new IllegalArgumentException("MamlRl.adapt: steps must be >= 0, got " + steps);
    }
    Params phi = theta.expand(goals.length);
    for (int k = 0; k < steps; k++) {
      Trajectories batch = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + k);
      Tensor loss = Ops.sum(surrogate(phi, batch, advantages(batch)), false);
      List<Tensor> g = Autodiff.grad(List.of(loss), null, phi.tensors(), createGraph, true);
      List<Tensor> next = new ArrayList<>(g.size());
      for (int i = 0; i < g.size(); i++) {
        next.add(Ops.sub(phi.tensors().get(i), Ops.mulScalar(g.get(i), config.innerLr())));
      }
      phi = Params.of(phi.names(), next);
    }
    return phi;
  }

  /** The meta-loss: mean over tasks of L(φ) on fresh rollouts of φ, differentiable in θ. */
  public Tensor metaLoss(Params theta, double[][] goals, long seed) {
    Params phi = adapt(theta, goals, config.innerSteps(), seed, true);
    Trajectories post = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + 1_000_003L);
    return Ops.mean(surrogate(phi, post, advantages(post)), false);
  }

  /**
   * Mean return per episode (averaged over tasks) after 0..maxSteps inner steps, each step on
   * fresh rollouts, {@code [maxSteps + 1]}.
   */
  public double[] returnsAfterSteps(Params theta, double[][] goals, int maxSteps, long seed) {
    double[][] perTask = returnsPerTaskAfterSteps(theta, goals, maxSteps, seed, config.innerLr());
    double[] out = new double[maxSteps + 1];
    for (int k = 0; k <= maxSteps; k++) {
      double s = 0;
      for (double r : perTask[k]) {
        s += r;
      }
      out[k] = s / goals.length;
    }
    return out;
  }

  /**
   * Mean return per episode of each task {@code [maxSteps + 1][T]} after 0..maxSteps inner steps of
   * size {@code stepSize}, each step on fresh rollouts; the rollout seeds depend on {@code seed}
   * and the step only, so two policies evaluated with one seed see the same noise.
   */
  public double[][] returnsPerTaskAfterSteps(Params theta, double[][] goals, int maxSteps, long seed,
      double stepSize) {
    if (maxSteps < 0 || !(stepSize >= 0) || !Double.isFinite(stepSize)) {
      throw new IllegalArgumentException("MamlRl.returnsPerTaskAfterSteps: maxSteps must be >= 0 and the step size "
          + "finite and >= 0, got " + maxSteps + " and " + stepSize);
    }
    double[][] out = new double[maxSteps + 1][];
    Params phi = theta.detach().asVariables().expand(goals.length);
    for (int k = 0; k <= maxSteps; k++) {
      Trajectories batch = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + k);
      out[k] = batch.meanReturns();
      if (k < maxSteps) {
        Tensor loss = Ops.sum(surrogate(phi, batch, advantages(batch)), false);
        List<Tensor> g = Autodiff.grad(List.of(loss), null, phi.tensors(), false, true);
        List<Tensor> next = new ArrayList<>(g.size());
        try (GradMode.Scope ng = GradMode.noGrad()) {
          for (int i = 0; i < g.size(); i++) {
            next.add(Ops.sub(phi.tensors().get(i), Ops.mulScalar(g.get(i), stepSize)).asVariable());
          }
        }
        phi = Params.of(phi.names(), next);
      }
    }
    return out;
  }

  /** Goals of tasks {@code first .. first + count − 1} under {@code seed}. */
  public static double[][] goals(long seed, long first, int count) {
    double[][] g = new double[count][];
    for (int i = 0; i < count; i++) {
      g[i] = PointNavigation.goal(seed, first + i);
    }
    return g;
  }
}
