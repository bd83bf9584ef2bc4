package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.ParamNames;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PointMass;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.inference.variational.DiagonalGaussianPosterior;
import org.bml.priors.DiagonalGaussian;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PLATIPUS (Finn, Xu &amp; Levine, NeurIPS 2018, "Probabilistic Model-Agnostic Meta-Learning",
 * arXiv:1806.02817). Meta-parameters {μ_θ, log σ²_θ, log v_q, γ_p, γ_q}: the model's parameters are
 * μ_θ (under the model's names); the others have μ_θ's shapes and are stored under
 * {@code logvar_theta.}, {@code logvar_q.}, {@code gamma_p.}, {@code gamma_q.} + name (variances as
 * logarithms so that they stay positive; γ per parameter entry, like Meta-SGD's step sizes).
 *
 * <p>Training, per task (the paper's Algorithm 1):
 * <pre>
 *   q(θ | D_tr ∪ D_test) = N(μ_θ − γ_q ∇_μ L(μ_θ, D_test), v_q)     (the query set, as in the paper)
 *   θ ~ q (reparameterised),  φ = K steps θ − α ∇L(θ, D_tr)
 *   p(θ | D_tr) = N(μ_θ − γ_p ∇_μ L(μ_θ, D_tr), σ²_θ)
 *   loss = mean_τ [ L(φ, D_test) + β_KL · KL(q ‖ p) ]                  (closed-form diagonal KL)
 * </pre>
 * built from the inference layer: the γ-steps are one {@link TruncatedGradientDescent} step with
 * per-parameter step sizes, q is a {@link DiagonalGaussianPosterior}, p a per-task
 * {@link DiagonalGaussian} and the KL is theirs. Meta-testing (Algorithm 2): θ ~ p(θ | D_tr),
 * K steps, predict; {@link #hypotheses} draws k such θ (seeded, distinct); {@link #adapt} uses the
 * prior mean μ_θ − γ_p ∇L(μ_θ, D_tr) (the most probable hypothesis) instead of a draw.
 *
 * <p>{@link Config#zeroVariance()} makes both Gaussians point masses at their means (σ²_θ = v_q = 0):
 * sampling returns the mean exactly, which needs β_KL = 0 (the KL between point masses is not
 * finite). With γ_p = γ_q = 0 as well, the meta-gradient with respect to μ_θ is exactly MAML's
 * (property-tested).
 *
 * <p>{@link #decomposesOverTasks()} is true: q and p are per task, so the meta-loss is the mean of
 * independent per-task terms (query loss plus that task's KL); there is no term on the shared
 * meta-parameters alone. Processed in chunks, each chunk draws its own noise (its own seed), which
 * changes the Monte Carlo draw but not the estimator.
 */
public final class Platipus extends InnerLoopLearner {
  public static final String LOG_PRIOR_VARIANCE = ParamNames.LOG_PRIOR_VARIANCE;
  public static final String LOG_POSTERIOR_VARIANCE = ParamNames.LOG_POSTERIOR_VARIANCE;
  public static final String GAMMA_P = ParamNames.GAMMA_P;
  public static final String GAMMA_Q = ParamNames.GAMMA_Q;
  private static final String[] PREFIXES = {LOG_PRIOR_VARIANCE, LOG_POSTERIOR_VARIANCE, GAMMA_P, GAMMA_Q};

  /**
   * @param innerSteps K ≥ 0 adaptation steps at meta-training
   * @param innerStepSize α ≥ 0 (finite)
   * @param klWeight β_KL ≥ 0 (finite); 0 with {@code zeroVariance}
   * @param priorVariance initial σ²_θ, every entry (&gt; 0, finite)
   * @param posteriorVariance initial v_q, every entry (&gt; 0, finite)
   * @param gammaP initial γ_p, every entry (≥ 0, finite)
   * @param gammaQ initial γ_q, every entry (≥ 0, finite)
   * @param order how the inner steps and γ-steps are differentiated (never switched silently)
   * @param zeroVariance σ²_θ = v_q = 0: samples are the means (the stored log-variances are not used)
   */
  public record Config(int innerSteps, double innerStepSize, double klWeight, double priorVariance,
      double posteriorVariance, double gammaP, double gammaQ, GradientOrder order, boolean zeroVariance) {
    public Config {
      Hyper.atLeast("Platipus", "inner steps", innerSteps, 0);
      nonNegative("inner step size α", innerStepSize);
      nonNegative("KL weight", klWeight);
      Hyper.positive("Platipus", "initial prior variance σ²_θ", priorVariance);
      Hyper.positive("Platipus", "initial posterior variance v_q", posteriorVariance);
      nonNegative("initial γ_p", gammaP);
      nonNegative("initial γ_q", gammaQ);
      if (order == null) {
        throw new IllegalArgumentException("Platipus: gradient order must be given (SECOND or FIRST)");
      }
      if (zeroVariance && klWeight != 0) {
        throw new IllegalArgumentException("Platipus: with zero variances the KL between point masses is not finite,"
            + " so the KL weight must be 0, got " + klWeight);
      }
    }

    /** The same settings with zero variances (and KL weight 0). */
    public Config withZeroVariance() {
      return new Config(innerSteps, innerStepSize, 0, priorVariance, posteriorVariance, gammaP, gammaQ, order, true);
    }

    private static void nonNegative(String what, double v) {
      if (!(v >= 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("Platipus: " + what + " must be finite and >= 0, got " + v);
      }
    }
  }

  private static final MetaObjective AT_MODE = MetaObjective.queryLossAtMode();
  private final Config config;
  private final List<String> names;

  public Platipus(Model model, Likelihood likelihood, Config config) {
    this(model, likelihood, config, new TruncatedGradientDescent(Hyper.nonNull("Platipus", "configuration",
        config).innerSteps(), config.innerStepSize(), config.order()));
  }

  private Platipus(Model model, Likelihood likelihood, Config config, TruncatedGradientDescent inner) {
    super("Platipus", model, likelihood, inner);
    for (String n : model.parameterShapes().keySet()) {
      for (String p : PREFIXES) {
        if (n.startsWith(p)) {
          throw new IllegalArgumentException("Platipus: model parameter '" + n + "' starts with the reserved prefix '"
              + p + "'");
        }
      }
    }
    this.config = config;
    this.names = List.copyOf(model.parameterShapes().keySet());
  }

  /** The K steps from the sampled θ are {@link TruncatedGradientDescent#adaptFrom}: checkpointable. */
  @Override
  protected Platipus withInner(TruncatedGradientDescent replacement) {
    return new Platipus(model, likelihood, config, replacement);
  }

  public Config config() {
    return config;
  }

  /** μ_θ from the model's seeded init; the others filled with the configured initial values. */
  @Override
  public Params initialize(long seed, DataType dtype) {
    Params mu = model.init(seed, dtype);
    return assemble(mu, fill(mu, Math.log(config.priorVariance()), LOG_PRIOR_VARIANCE),
        fill(mu, Math.log(config.posteriorVariance()), LOG_POSTERIOR_VARIANCE), fill(mu, config.gammaP(), GAMMA_P),
        fill(mu, config.gammaQ(), GAMMA_Q));
  }

  private static Params fill(Params like, double value, String prefix) {
    return like.mapNamed((n, t) -> Tensor.variable(Nd4j.valueArrayOf(t.shape(), value, t.dtype()), prefix + n));
  }

  /**
   * Meta-parameters from μ_θ and variances σ²_θ, v_q (every entry positive and finite; their logs
   * become new variables) and step sizes γ_p, γ_q (finite), all under μ_θ's names and shapes.
   *
   * @throws IllegalArgumentException on a variance that is not positive and finite, or a non-finite γ
   */
  public static Params meta(Params mu, Params priorVariance, Params posteriorVariance, Params gammaP, Params gammaQ) {
    Params lp = logOf(mu, priorVariance, "prior variance σ²_θ");
    Params lq = logOf(mu, posteriorVariance, "posterior variance v_q");
    requireFinite(mu, gammaP, "γ_p");
    requireFinite(mu, gammaQ, "γ_q");
    return assemble(mu, lp, lq, gammaP, gammaQ);
  }

  private static Params logOf(Params mu, Params variance, String what) {
    mu.requireSameStructure(variance);
    return variance.mapNamed((n, t) -> {
      INDArray v = t.value();
      double min = v.minNumber().doubleValue();
      double max = v.maxNumber().doubleValue();
      if (!allFinite(v) || !(min > 0)) {
        throw new IllegalArgumentException("Platipus: " + what + " of '" + n + "' must be positive and finite"
            + " everywhere, got values in [" + min + ", " + max + "]");
      }
      return Tensor.variable(org.nd4j.linalg.ops.transforms.Transforms.log(v, true));
    });
  }

  private static void requireFinite(Params mu, Params p, String what) {
    mu.requireSameStructure(p);
    for (Map.Entry<String, Tensor> e : p.entries()) {
      if (!allFinite(e.getValue().value())) {
        throw new IllegalArgumentException("Platipus: " + what + " of '" + e.getKey() + "' must be finite, got "
            + e.getValue().value());
      }
    }
  }

  private static boolean allFinite(INDArray v) {
    return !v.isNaN().any() && !v.isInfinite().any();
  }

  private static Params assemble(Params mu, Params logPrior, Params logPosterior, Params gammaP, Params gammaQ) {
    LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
    mu.entries().forEach(e -> all.put(e.getKey(), e.getValue()));
    Params[] parts = {logPrior, logPosterior, gammaP, gammaQ};
    for (int i = 0; i < parts.length; i++) {
      for (String n : mu.names()) {
        all.put(PREFIXES[i] + n, parts[i].get(n));
      }
    }
    return Params.of(all);
  }

  /** μ_θ. */
  public Params mean(Params meta) {
    return meta.subset(names);
  }

  /** The tensors stored under a prefix, renamed to the model's names. */
  public Params part(Params meta, String prefix) {
    List<Tensor> values = new ArrayList<>(names.size());
    for (String n : names) {
      values.add(meta.get(prefix + n));
    }
    return Params.of(names, values);
  }

  /** μ_θ − γ ⊙ ∇_μ L(μ_θ, D) per task: one step with per-parameter sizes γ (stored under {@code prefix}). */
  private Params gammaStep(Params meta, String prefix, Data data) {
    return new TruncatedGradientDescent(1, part(meta, prefix), config.order()).adapt(mean(meta), data, likelihood, 1);
  }

  /** The prior p(θ | D_tr) = N(μ_θ − γ_p ∇L(μ_θ, D_tr), σ²_θ) per task, or its mean under zero variance. */
  public DiagonalGaussianPosterior prior(Params meta, Data support) {
    requireFiniteLogVariances(meta);
    return new DiagonalGaussianPosterior(gammaStep(meta, GAMMA_P, support), halfOf(part(meta, LOG_PRIOR_VARIANCE)));
  }

  /** The variational q(θ | D_tr ∪ D_test) = N(μ_θ − γ_q ∇L(μ_θ, D_test), v_q) per task. */
  public DiagonalGaussianPosterior posterior(Params meta, Data query) {
    requireFiniteLogVariances(meta);
    return new DiagonalGaussianPosterior(gammaStep(meta, GAMMA_Q, query), halfOf(part(meta, LOG_POSTERIOR_VARIANCE)));
  }

  private static Params halfOf(Params logVariance) {
    return logVariance.map(t -> Ops.mulScalar(t, 0.5)); // log σ = ½ log σ²
  }

  private void requireFiniteLogVariances(Params meta) {
    for (String prefix : new String[] {LOG_PRIOR_VARIANCE, LOG_POSTERIOR_VARIANCE}) {
      for (Map.Entry<String, Tensor> e : part(meta, prefix).entries()) {
        if (!allFinite(e.getValue().value())) {
          throw new IllegalArgumentException("Platipus: log-variance " + prefix + e.getKey() + " must be finite"
              + " (variances positive and finite; use Config.zeroVariance for σ² = 0), got " + e.getValue().value());
        }
      }
    }
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  /** mean_τ [L(φ_τ, D_test) + β_KL · KL(q_τ ‖ p_τ)], θ_τ ~ q_τ drawn from the seed. */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    Params theta;
    DiagonalGaussianPosterior q = null;
    if (config.zeroVariance()) {
      theta = gammaStep(meta, GAMMA_Q, query);
    } else {
      q = posterior(meta, query);
      theta = q.sample(seed);
    }
    PointMass adapted = new PointMass(descend(theta, support, config.innerSteps()));
    if (config.klWeight() == 0) {
      // no KL term at all: nothing to overflow, and zero variances stay allowed
      return AT_MODE.loss(adapted, query, likelihood);
    }
    DiagonalGaussianPosterior thetaGivenQuery = q;
    return AT_MODE.plusKl(config.klWeight(), () -> {
      DiagonalGaussianPosterior p = prior(meta, support);
      Params logVar = part(meta, LOG_PRIOR_VARIANCE);
      Tensor kl = thetaGivenQuery.klTo(DiagonalGaussian.perTask(p.mean(),
          p.mean().mapNamed((n, m) -> Ops.broadcastTo(logVar.get(n), m.shape()))));
      requireFiniteKl(kl);
      return kl;
    }).loss(adapted, query, likelihood);
  }

  private static void requireFiniteKl(Tensor kl) {
    double[] v = kl.value().castTo(DataType.DOUBLE).toDoubleVector();
    for (int t = 0; t < v.length; t++) {
      if (!Double.isFinite(v[t])) {
        throw new ArithmeticException("Platipus: KL(q ‖ p) of task " + t + " is " + v[t]
            + " (overflow: a variance ratio or mean shift too large for the dtype; check log σ²_θ and log v_q)");
      }
    }
  }

  /** K steps φ ← φ − α ∇L(φ, D) from per-task starts {@code [T, ...]}: the inference layer's loop. */
  Params descend(Params start, Data data, int k) {
    return inner.adaptFrom(start, data, likelihood, k);
  }

  /** K steps from the prior mean μ_θ − γ_p ∇L(μ_θ, D_tr) (the most probable hypothesis). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return descend(gammaStep(meta, GAMMA_P, support), support, steps);
  }

  /**
   * k hypotheses per task (Algorithm 2): θ_i ~ p(θ | D_tr) from seed (draw i from seed·1000003 + i,
   * so distinct), each adapted by {@code steps} steps. Under zero variance the one hypothesis
   * {@link #adapt} gives (a point mass has one).
   */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("Platipus.hypotheses", "k", k);
    if (config.zeroVariance()) {
      return List.of(adapt(meta, support, steps));
    }
    List<Params> out = new ArrayList<>(k);
    for (Params theta : prior(meta, support).sample(k, seed)) {
      out.add(descend(theta, support, steps));
    }
    return out;
  }

  @Override
  public String toString() {
    return "Platipus(" + config + ")";
  }
}
