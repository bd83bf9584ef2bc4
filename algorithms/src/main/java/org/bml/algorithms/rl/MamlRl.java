package org.bml.algorithms.rl;

import java.util.ArrayList;
import java.util.Arrays;
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
 * meta-gradient feeds the toolkit's {@link org.bml.core.optim.MetaOptimizer} (Adam), either as a
 * vanilla policy-gradient outer step ({@link #metaLoss(Params, double[][], long)}) or, closer to a
 * trust region, as several epochs of PPO's clipped surrogate on one batch of rollouts
 * ({@link #collect}, {@link #clippedMetaLoss}; Schulman et al. 2017, as ProMP, Rothfuss et al.
 * 2019, applies it to MAML). With {@code innerSteps = 0} the same loop is
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
    Tensor[] c = constants(batch, advantages, p.get(GaussianPolicy.LOG_STD).dtype());
    return Ops.neg(Ops.mean(Ops.mul(policy.logProb(p, c[0], c[1]), c[2]), false, 1));
  }

  /**
   * States {@code [T, M, d]}, actions {@code [T, M, 2]} and advantages {@code [T, M]} of a batch as
   * constants, M = N·H in episode-major order (the order of {@link MetaBatch#oldLogProb}).
   */
  private static Tensor[] constants(Trajectories batch, double[][][] advantages, DataType dtype) {
    int tasks = batch.tasks();
    int m = batch.episodes() * batch.horizon();
    int d = batch.states()[0][0][0].length; // 2, or 4 with the goal appended (the oracle's input)
    double[] s = new double[tasks * m * d];
    double[] a = new double[tasks * m * 2];
    double[] w = new double[tasks * m];
    for (int t = 0, i = 0, j = 0, q = 0; t < tasks; t++) {
      for (int n = 0; n < batch.episodes(); n++) {
        for (int h = 0; h < batch.horizon(); h++, j++) {
          for (int k = 0; k < d; k++) {
            s[q++] = batch.states()[t][n][h][k];
          }
          a[i++] = batch.actions()[t][n][h][0];
          a[i++] = batch.actions()[t][n][h][1];
          w[j] = advantages[t][n][h];
        }
      }
    }
    Tensor st = Tensor.constant(Nd4j.create(s, new long[] {tasks, m, d}, DataType.DOUBLE).castTo(dtype));
    Tensor at = Tensor.constant(Nd4j.create(a, new long[] {tasks, m, 2}, DataType.DOUBLE).castTo(dtype));
    Tensor wt = Tensor.constant(Nd4j.create(w, new long[] {tasks, m}, DataType.DOUBLE).castTo(dtype));
    return new Tensor[] {st, at, wt};
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
      phi = innerStep(phi, batch, advantages(batch), createGraph);
    }
    return phi;
  }

  // One REINFORCE step φ − α ∇ Σ_tasks surrogate on a batch with its advantages.
  private Params innerStep(Params phi, Trajectories batch, double[][][] advantages, boolean createGraph) {
    Tensor loss = Ops.sum(surrogate(phi, batch, advantages), false);
    List<Tensor> g = Autodiff.grad(List.of(loss), null, phi.tensors(), createGraph, true);
    List<Tensor> next = new ArrayList<>(g.size());
    for (int i = 0; i < g.size(); i++) {
      next.add(Ops.sub(phi.tensors().get(i), Ops.mulScalar(g.get(i), config.innerLr())));
    }
    return Params.of(phi.names(), next);
  }

  /** The meta-loss: mean over tasks of L(φ) on fresh rollouts of φ, differentiable in θ. */
  public Tensor metaLoss(Params theta, double[][] goals, long seed) {
    Params phi = adapt(theta, goals, config.innerSteps(), seed, true);
    Trajectories post = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + 1_000_003L);
    return Ops.mean(surrogate(phi, post, advantages(post)), false);
  }

  /**
   * The rollouts of one meta-iteration, collected once with θ_old and reused by every outer epoch
   * of the clipped objective (Rothfuss et al., "ProMP: Proximal Meta-Policy Search", ICLR 2019):
   * per inner step the batch and its advantages, the post-update batch collected with
   * φ_old = φ(θ_old), its advantages, and log π_{φ_old}(a | s) of its actions.
   *
   * @param inner {@code innerSteps} batches, one per inner step
   * @param innerAdvantages their advantages {@code [T][N][H]}
   * @param post the post-update batch
   * @param postAdvantages its advantages {@code [T][N][H]}
   * @param oldLogProb log π_{φ_old}(a_t | s_t) of the post-update batch, {@code [T][N·H]} (episode-major)
   */
  public record MetaBatch(List<Trajectories> inner, List<double[][][]> innerAdvantages, Trajectories post,
      double[][][] postAdvantages, double[][] oldLogProb) {
    public MetaBatch {
      if (inner.size() != innerAdvantages.size() || oldLogProb.length != post.tasks()
          || oldLogProb[0].length != post.episodes() * post.horizon()) {
        throw new IllegalArgumentException("MamlRl.MetaBatch: " + inner.size() + " inner batches with "
            + innerAdvantages.size() + " advantage arrays, or old log-probabilities not [T][N·H]");
      }
    }
  }

  /**
   * Rolls out θ_old = {@code theta} (values only) and its adaptation, with the rollout seeds of
   * {@link #metaLoss(Params, double[][], long)}, so that {@link #metaLoss(Params, MetaBatch)} on the
   * result is that meta-loss.
   */
  public MetaBatch collect(Params theta, double[][] goals, long seed) {
    List<Trajectories> inner = new ArrayList<>();
    List<double[][][]> innerAdv = new ArrayList<>();
    Params phi = theta.detach().asVariables().expand(goals.length);
    for (int k = 0; k < config.innerSteps(); k++) {
      Trajectories batch = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + k);
      double[][][] adv = advantages(batch);
      inner.add(batch);
      innerAdv.add(adv);
      // Values only: fresh leaves for the next step's gradient.
      phi = innerStep(phi, batch, adv, false).detach().asVariables();
    }
    Trajectories post = policy.rollout(phi, goals, config.episodes(), config.horizon(), seed * 31 + 1_000_003L);
    double[][][] postAdv = advantages(post);
    double[][] old = new double[goals.length][];
    try (GradMode.Scope ng = GradMode.noGrad()) {
      Tensor[] c = constants(post, postAdv, phi.get(GaussianPolicy.LOG_STD).dtype());
      double[] flat = policy.logProb(phi, c[0], c[1]).value().castTo(DataType.DOUBLE).dup().data().asDouble();
      int m = post.episodes() * post.horizon();
      for (int t = 0; t < goals.length; t++) {
        old[t] = Arrays.copyOfRange(flat, t * m, (t + 1) * m);
      }
    }
    return new MetaBatch(inner, innerAdv, post, postAdv, old);
  }

  /** φ(θ) from the stored inner batches of {@code b}, differentiable in θ (second order). */
  public Params adapt(Params theta, MetaBatch b) {
    Params phi = theta.expand(b.post().tasks());
    for (int k = 0; k < b.inner().size(); k++) {
      phi = innerStep(phi, b.inner().get(k), b.innerAdvantages().get(k), true);
    }
    return phi;
  }

  /** The policy-gradient meta-loss on stored rollouts: mean over tasks of L(φ(θ)) on the post batch. */
  public Tensor metaLoss(Params theta, MetaBatch b) {
    return Ops.mean(surrogate(adapt(theta, b), b.post(), b.postAdvantages()), false);
  }

  /**
   * The clipped-surrogate meta-loss (Schulman et al. 2017, PPO, eq. 7; applied to MAML's
   * post-adaptation objective as in ProMP, Rothfuss et al. 2019): with the ratio
   * r = π_{φ(θ)}(a | s) / π_{φ_old}(a | s) on the post-update batch,
   * <pre>
   *   L^CLIP(θ) = −mean_tasks mean_t min(r_t A_t, clip(r_t, 1 − ε, 1 + ε) A_t)
   * </pre>
   * φ(θ) differentiated through the inner step. At θ = θ_old (r = 1) its gradient is that of
   * {@link #metaLoss(Params, MetaBatch)}; where the clipped term is the smaller one (r above 1 + ε
   * with A &gt; 0, below 1 − ε with A &lt; 0) the sample contributes a constant, so no gradient.
   */
  public Tensor clippedMetaLoss(Params theta, MetaBatch b, double clipEps) {
    if (!(clipEps > 0 && clipEps < 1)) {
      throw new IllegalArgumentException("MamlRl.clippedMetaLoss: clip epsilon must be in (0, 1), got " + clipEps);
    }
    Params phi = adapt(theta, b);
    DataType dtype = phi.get(GaussianPolicy.LOG_STD).dtype();
    Tensor[] c = constants(b.post(), b.postAdvantages(), dtype);
    int tasks = b.post().tasks();
    int m = b.oldLogProb()[0].length;
    Tensor ratio = ratio(phi, b, c);
    double[] r = ratio.value().castTo(DataType.DOUBLE).dup().data().asDouble();
    double[] w = c[2].value().castTo(DataType.DOUBLE).dup().data().asDouble();
    double[] keep = new double[r.length];
    double[] clipped = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      double rc = Math.max(1 - clipEps, Math.min(1 + clipEps, r[i]));
      // min(r A, clip(r) A): the unclipped term unless the clipped one is strictly smaller.
      keep[i] = rc * w[i] < r[i] * w[i] ? 0 : 1;
      clipped[i] = rc * w[i];
    }
    Tensor clippedT = Tensor.constant(Nd4j.create(clipped, new long[] {tasks, m}, DataType.DOUBLE).castTo(dtype));
    Tensor per = Ops.where(Nd4j.create(keep, new long[] {tasks, m}, DataType.DOUBLE), Ops.mul(ratio, c[2]), clippedT);
    return Ops.mean(Ops.neg(Ops.mean(per, false, 1)), false);
  }

  /** r = π_φ(a | s) / π_{φ_old}(a | s) on the post batch, {@code [T, M]}, differentiable in φ. */
  private Tensor ratio(Params phi, MetaBatch b, Tensor[] c) {
    int tasks = b.post().tasks();
    int m = b.oldLogProb()[0].length;
    double[] old = new double[tasks * m];
    for (int t = 0; t < tasks; t++) {
      System.arraycopy(b.oldLogProb()[t], 0, old, t * m, m);
    }
    DataType dtype = phi.get(GaussianPolicy.LOG_STD).dtype();
    Tensor oldT = Tensor.constant(Nd4j.create(old, new long[] {tasks, m}, DataType.DOUBLE).castTo(dtype));
    return Ops.exp(Ops.sub(policy.logProb(phi, c[0], c[1]), oldT));
  }

  /** The likelihood ratios of {@link #clippedMetaLoss} at θ, {@code [T][N·H]} (values only). */
  public double[][] ratios(Params theta, MetaBatch b) {
    // The inner step needs its gradient, so this runs on a tape (of fresh leaves) and keeps values only.
    Params phi = adapt(theta.detach().asVariables(), b);
    Tensor[] c = constants(b.post(), b.postAdvantages(), phi.get(GaussianPolicy.LOG_STD).dtype());
    double[] flat = ratio(phi, b, c).value().castTo(DataType.DOUBLE).dup().data().asDouble();
    int m = b.oldLogProb()[0].length;
    double[][] out = new double[b.post().tasks()][];
    for (int t = 0; t < out.length; t++) {
      out[t] = Arrays.copyOfRange(flat, t * m, (t + 1) * m);
    }
    return out;
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
