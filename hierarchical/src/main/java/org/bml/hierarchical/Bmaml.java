package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.LogPrior;
import org.bml.inference.MetaObjective;
import org.bml.inference.ParamLayout;
import org.bml.inference.particles.ChaserDistance;
import org.bml.inference.particles.ParticlePosterior;
import org.bml.inference.particles.RbfKernel;
import org.bml.inference.particles.Svgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bayesian MAML (Yoon, Kim, Dia, Kim, Bengio &amp; Ahn, NeurIPS 2018, "Bayesian Model-Agnostic
 * Meta-Learning", arXiv:1806.03836). The meta-parameters Θ_0 are M particles (M copies of the
 * network's weights with distinct initialisations, plus their log-precisions, see
 * {@link BmamlPosterior}). Per task, the task posterior is {@link Svgd} from Θ_0 on the support set
 * for n steps, Θ_n, recorded so that it is differentiable with respect to Θ_0. Meta-training
 * minimises the chaser loss
 *
 * <pre>  (1/T) Σ_τ Σ_m ‖Θ_n^{τ,m} − stopgrad(Θ_{n+s}^{τ,m})‖²</pre>
 *
 * where the leader Θ_{n+s} is s further SVGD steps from Θ_n on support ∪ query, held constant
 * (the paper's Algorithm 2). As in the authors' code (github.com/jsikyoon/bmaml), the distance is over
 * the network weights only: the log-precisions move by O(ε·P) per step, which would otherwise swamp
 * the weights' O(ε) moves in the loss. With {@link Config#chaseNoise} the noise coordinate log γ is
 * kept in the distance (log λ still out): the paper's distance is over the whole particle, and
 * without it the chaser raises γ_0 as if it were a step size (over-confident intervals). The
 * log-precision coordinates step with ε·{@link
 * Config#precisionStepScale} (the authors' {@code lambda_lr}; 1 by default): the log λ gradient
 * carries a P/2 term (P weights), so images need a scale like {@link #fisherPrecisionStepScale}.
 * {@link Objective#QUERY_LOSS} instead scores each particle's query loss
 * (averaged over particles): with one particle, the {@link BmamlPosterior#negativeLoss} target and
 * ε = α, that is exactly MAML (property-tested).
 *
 * <p>Prediction: {@link #adapt} returns the whole ensemble ({@code [T, M, ...]} tensors);
 * {@link #predict} averages the members' outputs (regression) or probabilities (classification);
 * {@link #hypotheses} returns the first min(k, M) particles, each usable alone (the seed is not
 * used: SVGD is deterministic given Θ_0, so there are exactly M hypotheses). The meta-loss is a mean
 * of per-task terms (the kernel and its bandwidth are per task), so it decomposes over tasks.
 */
public final class Bmaml implements MetaLearner {
  /** What meta-training minimises. */
  public enum Objective {
    /** The paper's chaser loss against the (constant) leader particles. */
    CHASER,
    /** The mean over particles of each particle's query loss (EMAML's objective on SVGD particles). */
    QUERY_LOSS
  }

  /** How the weights' SVGD displacement is scaled. */
  public enum WeightStep {
    /** Plain SVGD: with ε = α/n the weights move α·γ/2 times MAML's step, so γ doubles as a step size. */
    GAMMA,
    /** Preconditioned by 2/γ̄ (γ̄ the task's mean noise precision at the step): MAML's step α whatever γ. */
    DECOUPLED,
    /**
     * Preconditioned by 2·exp(s)/γ̄ with s = {@link #LOG_WEIGHT_STEP} a meta-learned scalar (starting at 0):
     * the step size that γ_0 played in the plain step, now a parameter of its own (as Meta-SGD learns α).
     */
    LEARNED
  }

  /** The meta-parameter s of {@link WeightStep#LEARNED}: the weights' step is exp(s)·α (one scalar). */
  public static final String LOG_WEIGHT_STEP = "bmaml.log_weight_step";

  /**
   * @param particles M ≥ 1
   * @param innerSteps n ≥ 0, SVGD steps on the support set
   * @param stepSize ε ≥ 0 (finite), the SVGD step size (inner and leader)
   * @param leaderSteps s, the leader's further steps on support ∪ query (≥ 1 for {@link Objective#CHASER})
   * @param kernel the SVGD kernel
   * @param objective chaser or query loss
   * @param order how Θ_n is differentiated with respect to Θ_0 (never switched silently)
   * @param precisionStepScale s ≥ 0 (finite): the log-precision coordinates (log γ, log λ) move by s
   *     times their SVGD displacement, the weights by 1 (the authors' {@code lambda_lr}; 1 = plain SVGD)
   * @param chaseNoise whether the chaser distance includes the noise coordinate log γ (the paper's
   *     distance over the whole particle, log λ still left out), so that the outer loop learns γ_0
   *     toward the leader's γ on support ∪ query; false: weights only, as in the authors' code
   * @param weightStep {@link WeightStep#GAMMA}: plain SVGD, where the weight step is α·γ/2 times MAML's
   *     and a calibrated (smaller) γ adapts less; {@link WeightStep#DECOUPLED}: the weights' displacement
   *     is preconditioned by 2/γ̄, γ̄ the mean noise precision of the task's particles at that step, so
   *     the likelihood's pull on the weights is MAML's step α∇(mean loss) whatever γ; {@link
   *     WeightStep#LEARNED}: the same times exp(s), s meta-learned (targets with a learned noise only)
   */
  public record Config(int particles, int innerSteps, double stepSize, int leaderSteps, RbfKernel kernel,
      Objective objective, GradientOrder order, double precisionStepScale, boolean chaseNoise,
      WeightStep weightStep) {
    /** Plain SVGD weight steps ({@link WeightStep#GAMMA}). */
    public Config(int particles, int innerSteps, double stepSize, int leaderSteps, RbfKernel kernel,
        Objective objective, GradientOrder order, double precisionStepScale, boolean chaseNoise) {
      this(particles, innerSteps, stepSize, leaderSteps, kernel, objective, order, precisionStepScale, chaseNoise,
          WeightStep.GAMMA);
    }

    /** Plain SVGD: the log-precisions step with ε like the weights (the authors' default {@code lambda_lr = 1}). */
    public Config(int particles, int innerSteps, double stepSize, int leaderSteps, RbfKernel kernel,
        Objective objective, GradientOrder order) {
      this(particles, innerSteps, stepSize, leaderSteps, kernel, objective, order, 1.0);
    }

    /** The authors' weights-only chaser distance ({@code chaseNoise = false}). */
    public Config(int particles, int innerSteps, double stepSize, int leaderSteps, RbfKernel kernel,
        Objective objective, GradientOrder order, double precisionStepScale) {
      this(particles, innerSteps, stepSize, leaderSteps, kernel, objective, order, precisionStepScale, false);
    }

    public Config {
      if (!(precisionStepScale >= 0) || !Double.isFinite(precisionStepScale)) {
        throw new IllegalArgumentException("Bmaml: precision step scale must be finite and >= 0, got "
            + precisionStepScale);
      }
      Hyper.atLeast("Bmaml", "particle count", particles, 1);
      Hyper.atLeast("Bmaml", "inner steps", innerSteps, 0);
      if (!(stepSize >= 0) || !Double.isFinite(stepSize)) {
        throw new IllegalArgumentException("Bmaml: step size must be finite and >= 0, got " + stepSize);
      }
      if (kernel == null || objective == null || order == null || weightStep == null) {
        throw new IllegalArgumentException("Bmaml: kernel, objective, gradient order and weight step must be given");
      }
      if (leaderSteps < 0 || (objective == Objective.CHASER && leaderSteps < 1)) {
        throw new IllegalArgumentException("Bmaml: leader steps must be >= 1 for the chaser loss (>= 0 otherwise), got "
            + leaderSteps);
      }
    }
  }

  private final BmamlPosterior posterior;
  private final Config config;

  public Bmaml(BmamlPosterior posterior, Config config) {
    if (posterior == null || config == null) {
      throw new IllegalArgumentException("Bmaml: posterior and configuration must be given");
    }
    if (config.weightStep() != WeightStep.GAMMA && !posterior.learnsNoise()) {
      throw new IllegalArgumentException("Bmaml: the decoupled weight step needs a target with a learned noise "
          + "precision γ (regression with gamma-priors); this target has none");
    }
    this.posterior = posterior;
    this.config = config;
  }

  public BmamlPosterior posterior() {
    return posterior;
  }

  public Config config() {
    return config;
  }

  /**
   * M particles with distinct seeded initialisations, named {@code particle<m>.<name>}, and with
   * {@link WeightStep#LEARNED} the log weight step {@link #LOG_WEIGHT_STEP} = 0 (shape [1]).
   */
  @Override
  public Params initialize(long seed, DataType dtype) {
    List<Params> ps = new ArrayList<>();
    for (int m = 0; m < config.particles(); m++) {
      ps.add(posterior.initialParticle(seed, m, dtype));
    }
    Params meta = BmamlEnsemble.combine(ps);
    return config.weightStep() != WeightStep.LEARNED ? meta
        : meta.with(LOG_WEIGHT_STEP, Tensor.variable(Nd4j.zeros(dtype, 1)));
  }

  // The learned log weight step of the meta-parameters (null unless LEARNED).
  private Tensor logWeightStep(Params meta) {
    if (config.weightStep() != WeightStep.LEARNED) {
      return null;
    }
    if (!meta.has(LOG_WEIGHT_STEP)) {
      throw new IllegalArgumentException("Bmaml: the learned weight step needs the meta-parameter " + LOG_WEIGHT_STEP
          + ", which these meta-parameters lack");
    }
    return meta.get(LOG_WEIGHT_STEP);
  }

  /** The M initial particles Θ_0 out of the meta-parameters (each under the particle's own names). */
  public List<Params> initialParticles(Params meta) {
    List<Params> out = new ArrayList<>(config.particles());
    List<String> names = posterior.particleNames();
    for (int m = 0; m < config.particles(); m++) {
      out.add(BmamlEnsemble.particle(meta, m, names));
    }
    return out;
  }

  private Svgd svgd(int steps, LogPrior prior) {
    // Particles start from Θ_0 via run(...), so Svgd's own initial spread is never used (1 is a placeholder).
    return new Svgd(config.particles(), steps, config.stepSize(), config.kernel(), config.order(),
        posterior.logLikelihood(), theta -> prior, 1.0, 0);
  }

  /**
   * The step-size scale 2/P for the log-precision coordinates, P the network's weight count: the
   * inverse Fisher information of log λ under N(w; 0, I/λ) (P/2), so that a step moves log λ by
   * ε·(1 − λ‖w‖²/P + O(1/P)) whatever the model size (plain SVGD moves it by ~ε·P/2, which diverges
   * for Conv-4's P ≈ 1.1·10⁵).
   */
  public static double fisherPrecisionStepScale(BmamlPosterior posterior) {
    return 2.0 / posterior.weightCount();
  }

  /**
   * BMAML's default precision step scale: {@link #fisherPrecisionStepScale 2/P} where the target has
   * a weight prior on a classification network (images: Conv-4's P ≈ 10⁵ weights make plain SVGD's
   * log λ step ~ε·P/2 diverge), otherwise 1, the authors' scale on regression and the only one for
   * a target without precisions.
   */
  public static double defaultPrecisionStepScale(BmamlPosterior posterior) {
    return posterior.hasWeightPrior() && posterior.output() == BmamlEnsemble.Output.CLASSIFICATION
        ? fisherPrecisionStepScale(posterior) : 1.0;
  }

  /**
   * BMAML's default SVGD step size ε from MAML's inner step size α: α / n for a target with priors,
   * whose log-likelihood sums over the n support points of a task (so that a step moves the weights
   * as far as α on a mean loss does), α for {@link BmamlPosterior#negativeLoss −mean loss}.
   *
   * @param innerStepSize α ≥ 0
   * @param supportPoints n ≥ 1 support points per task in training (shots × ways)
   */
  public static double defaultStepSize(BmamlPosterior posterior, double innerStepSize, int supportPoints) {
    Hyper.atLeast("Bmaml", "support points", supportPoints, 1);
    boolean priors = posterior.hasWeightPrior() || posterior.learnsNoise();
    return priors ? innerStepSize / supportPoints : innerStepSize;
  }

  /** Θ_n: n SVGD steps from Θ_0 on the support set, per task (differentiable with respect to Θ_0). */
  public ParticlePosterior taskPosterior(Params meta, Data support, int steps) {
    List<Params> initial = initialParticles(meta);
    LogPrior prior = posterior.logPrior(initial.get(0).tensors().get(0).dtype());
    ParamLayout layout = ParamLayout.ofShapes(initial.get(0));
    if (!scalesPrecisions(layout, steps) && config.weightStep() == WeightStep.GAMMA) {
      ParticlePosterior q = svgd(steps, prior).run(initial, support, prior);
      requireFinite(q.particles(), steps);
      return q;
    }
    List<Tensor> rows = new ArrayList<>(initial.size());
    for (Params p : initial) {
      rows.add(layout.flattenShared(p));
    }
    Tensor start = rows.size() == 1 ? rows.get(0) : Ops.concat(0, rows);
    return run(Ops.broadcastTo(Ops.unsqueeze(start, 0), support.tasks(), config.particles(), layout.size()), layout,
        support, steps, prior, logWeightStep(meta));
  }

  private boolean scalesPrecisions(ParamLayout layout, int steps) {
    return steps > 0 && config.precisionStepScale() != 1.0 && precisionMask(layout) != null;
  }

  // K steps from [T, M, P] particles; with a precision step scale s ≠ 1, each SVGD step's displacement of
  // the log-precision coordinates is multiplied by s (recorded ops, so Θ_n stays differentiable in Θ_0).
  private ParticlePosterior run(Tensor start, ParamLayout layout, Data data, int steps, LogPrior prior,
      Tensor logWeightStep) {
    // c − 1 = (s − 1) at the log-precision coordinates, 0 at the weights.
    Tensor scaleMinusOne = !scalesPrecisions(layout, steps) ? null : Tensor.constant(precisionMask(layout)
        .mul(config.precisionStepScale() - 1.0).castTo(start.dtype()).reshape(1, 1, layout.size()));
    ParticlePosterior q = svgd(steps, prior).run(start, layout, data, prior, scaleMinusOne,
        config.weightStep() == WeightStep.GAMMA ? null : weightStepPreconditioner(layout, start.dtype(), logWeightStep));
    requireFinite(q.particles(), steps);
    return q;
  }

  // Q(Φ) = 1 + w ⊙ (2/γ̄ − 1), w = 1 at the weights: the Gaussian log-likelihood's weight gradient is γ·Σ(y − f)∇f
  // = (γ·n/2)·(−∇ mean squared error), so with ε = α/n the plain step is α·γ/2 times MAML's; 2/γ̄ makes it MAML's.
  // γ̄ is shared by the task's particles (matrix-valued-kernel SVGD with a per-task constant: same fixed point)
  // and recorded, so the meta-gradient sees it; with one particle the weight step does not depend on γ at all.
  // LEARNED multiplies 2/γ̄ by exp(s): the step size that the plain step lets γ_0 play, as its own parameter.
  private Svgd.Preconditioner weightStepPreconditioner(ParamLayout layout, DataType dtype, Tensor logWeightStep) {
    INDArray weights = precisionMask(layout).rsub(1.0).castTo(dtype).reshape(1, 1, layout.size());
    Tensor weightMask = Tensor.constant(weights);
    int logGamma = layout.offset(BmamlPosterior.LOG_GAMMA);
    return current -> {
      Tensor meanGamma = Ops.mean(Ops.exp(Ops.slice(current, 2, logGamma, logGamma + 1)), true, 1); // [T, 1, 1]
      Tensor two = logWeightStep == null ? Ops.scalar(2.0, dtype) : Ops.mul(Ops.scalar(2.0, dtype), Ops.exp(logWeightStep));
      Tensor factor = Ops.sub(Ops.div(two, meanGamma), Ops.scalar(1.0, dtype));
      return Ops.add(Ops.scalar(1.0, dtype), Ops.mul(weightMask, factor));
    };
  }

  /** 1 at the log-precision coordinates of a flat particle, 0 at the weights; null without precisions. */
  private INDArray precisionMask(ParamLayout layout) {
    return precisionMask(layout, List.of(BmamlPosterior.LOG_GAMMA, BmamlPosterior.LOG_LAMBDA));
  }

  /** 1 at the given log-precision coordinates of a flat particle, 0 elsewhere; null where none is present. */
  private static INDArray precisionMask(ParamLayout layout, List<String> coordinates) {
    double[] m = new double[layout.size()];
    boolean any = false;
    for (String n : coordinates) {
      if (layout.names().contains(n)) {
        java.util.Arrays.fill(m, layout.offset(n), layout.offset(n) + layout.length(n), 1.0);
        any = true;
      }
    }
    return any ? Nd4j.createFromArray(m) : null;
  }

  // Diverged particles would otherwise surface as a NaN loss far from the cause.
  private static void requireFinite(Tensor particles, int steps) {
    INDArray v = particles.value();
    if (v.isNaN().any() || v.isInfinite().any()) {
      throw new ArithmeticException("Bmaml: SVGD particles are not finite after " + steps
          + " steps (diverged); reduce the step size ε");
    }
  }

  /** The leader Θ_{n+s}: s further SVGD steps from Θ_n (held constant) on support ∪ query, {@code [T, M, P]}. */
  public Tensor leader(ParticlePosterior chaser, Data support, Data query) {
    if (config.weightStep() == WeightStep.LEARNED) {
      throw new IllegalStateException("Bmaml: with a learned weight step the leader needs the meta-parameters: "
          + "use leader(meta, chaser, support, query)");
    }
    return leader(null, chaser, support, query);
  }

  /** As {@link #leader(ParticlePosterior, Data, Data)}, stepping with meta's learned weight step (held constant). */
  public Tensor leader(Params meta, ParticlePosterior chaser, Data support, Data query) {
    Tensor start = chaser.particles().detach();
    LogPrior prior = posterior.logPrior(start.dtype());
    Tensor step = meta == null ? null : logWeightStep(meta);
    return run(start, chaser.layout(), BmamlEnsemble.join(support, query), config.leaderSteps(), prior,
        step == null ? null : step.detach()).particles().detach();
  }

  /**
   * (1/T) Σ_τ Σ_m ‖w_n − w_leader‖² for a constant leader {@code [T, M, P]}, over the network weights
   * (the log-precision coordinates are left out, as in the authors' code; log γ is in with
   * {@link Config#chaseNoise}).
   */
  public Tensor chaserLoss(ParticlePosterior chaser, Tensor leader) {
    return ChaserDistance.between(chaser, leader, chaserWeights(chaser.layout()));
  }

  // The chaser distance leaves the log-precisions (log γ, log λ) out: weight 0 there, 1 elsewhere; with
  // chaseNoise log γ is kept in. Left out, log γ_0's only meta-gradient runs through the weight step, where γ
  // scales the likelihood gradient like a step size, and the chaser (which rewards moving further toward the
  // leader) raises it: the learned noise becomes over-confident. In the distance, the leader's γ step on
  // support ∪ query (its residuals include the query's) is the target that calibrates γ_0.
  private INDArray chaserWeights(ParamLayout layout) {
    INDArray left = precisionMask(layout, config.chaseNoise() ? List.of(BmamlPosterior.LOG_LAMBDA)
        : List.of(BmamlPosterior.LOG_GAMMA, BmamlPosterior.LOG_LAMBDA));
    return left == null ? null : left.rsub(1.0);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    ParticlePosterior chaser = taskPosterior(meta, support, config.innerSteps());
    MetaObjective objective = config.objective() == Objective.CHASER
        ? new ChaserDistance((c, q) -> leader(meta, c, support, q), this::chaserWeights)
        : MetaObjective.expectedQueryLoss(config.particles(), 0); // over all M particles: exact
    return objective.loss(chaser, query, posterior.loss());
  }

  /** The adapted ensemble: every particle tensor {@code [T, M, ...]} after {@code steps} SVGD steps. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    ParticlePosterior q = taskPosterior(meta, support, steps);
    return BmamlEnsemble.stack(q.all());
  }

  /** The ensemble's prediction (mean output, or mean probabilities), or one particle's outputs. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    if (BmamlEnsemble.isEnsemble(posterior.model(), adapted)) {
      return BmamlEnsemble.predict(posterior.model(), posterior.output(), adapted, x);
    }
    return posterior.model().forward(adapted, x);
  }

  /** Each member's outputs {@code [T, M, n, O]} of an adapted ensemble (for predictive mixtures). */
  public Tensor memberOutputs(Params ensemble, Tensor x) {
    return BmamlEnsemble.memberOutputs(posterior.model(), ensemble, x);
  }

  /** The ensemble's loss (MSE of the mean prediction, or NLL of the averaged probabilities), or one particle's. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    if (BmamlEnsemble.isEnsemble(posterior.model(), adapted)) {
      return BmamlEnsemble.loss(posterior.model(), posterior.output(), adapted, data);
    }
    return posterior.loss().perTask(adapted, data);
  }

  /** The first min(k, M) adapted particles (deterministic; {@code seed} is not used). */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("Bmaml.hypotheses", "k", k);
    List<Params> all = taskPosterior(meta, support, steps).all();
    return new ArrayList<>(all.subList(0, Math.min(k, all.size())));
  }

  /** The flat layout of one particle. */
  public ParamLayout layout(Params meta) {
    return ParamLayout.ofShapes(initialParticles(meta).get(0));
  }

  @Override
  public String toString() {
    return "Bmaml(" + config + ", " + posterior + ")";
  }
}
