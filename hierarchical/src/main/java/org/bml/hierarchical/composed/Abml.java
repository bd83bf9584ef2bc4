package org.bml.hierarchical.composed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.algorithms.ModelLearner;
import org.bml.algorithms.Hyper;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GaussianPrior;
import org.bml.inference.GradientOrder;
import org.bml.inference.GradientSteps;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.variational.DiagonalGaussianPosterior;
import org.bml.inference.variational.Elbo;
import org.bml.priors.GammaPrecisionPrior;
import org.bml.priors.StandardNormal;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Amortized Bayesian Meta-Learning (Ravi &amp; Beatson, ICLR 2019, "Amortized Bayesian
 * Meta-Learning"). Meta-parameters θ = (μ_θ, log σ²_θ) define the prior p(φ | θ) = N(μ_θ, diag σ²_θ)
 * (μ_θ under the model's names, log σ²_θ under {@value #LOG_VARIANCE} + name). Per task, the
 * variational posterior q(φ) = N(μ, diag σ²) is amortized by K gradient steps on the negative ELBO
 * of the support set started at the prior, (μ, log σ)₀ = (μ_θ, ½ log σ²_θ) (the paper's Algorithm 1):
 *
 * <pre>
 *   (μ, log σ)_{k+1} = (μ, log σ)_k − α ∇ [ −(1/n) E_q log p(D_support | φ) + β_KL · KL(q ‖ p(φ | θ)) / n ]
 *   loss = mean_τ [ −(1/m) E_q log p(D_query | φ) + β_KL · KL(q ‖ p(φ | θ)) / n ] + w · (−log p(θ))
 * </pre>
 *
 * with S reparameterised samples for E_q (seeded from the run's seed and the step), the closed-form
 * KL, and the hyper-prior p(θ) = N(μ_θ; 0, I) · Gamma(1/σ²_θ; a, b) of the paper (its MAP is what
 * is learned) at weight w. The pieces are the inference layer's: {@link Elbo#expectedLogLikelihood},
 * {@link DiagonalGaussianPosterior#klTo}, {@link GaussianPrior}, the loop {@link GradientSteps}, and
 * the priors module's {@link StandardNormal} and {@link GammaPrecisionPrior}. The likelihood is the
 * Gibbs likelihood of the training loss at inverse temperature β ({@link LogLikelihood#fromLoss};
 * β = 1: exact for cross-entropy, Gaussian noise of variance ½ for the squared error), so −(1/n) log p
 * is β times the mean loss.
 *
 * <p>Degenerate corner: as σ²_θ → 0 with β_KL = 0 the samples are the means and the μ-steps are
 * MAML's steps of size αβ, so the adapted mean is MAML's adapted parameters (property-tested). With
 * the hyper-prior (w &gt; 0) the loss has a term on θ alone, so it does not decompose over tasks.
 */
public final class Abml extends ModelLearner {
  /** Prefix of the prior's log-variances log σ²_θ in the meta-parameters. */
  public static final String LOG_VARIANCE = org.bml.core.model.ParamNames.ABML_LOG_VARIANCE;
  // Per-task log σ of q during the inner steps (internal: never part of θ).
  private static final String LOG_STD = "abml.logstd" + org.bml.core.model.ParamNames.SEPARATOR;
  private static final long ADAPT_SEED = 0x1BAB1L;

  /**
   * @param innerSteps K ≥ 0 gradient steps on the support ELBO
   * @param innerStepSize α ≥ 0 (finite)
   * @param klWeight β_KL ≥ 0 (finite)
   * @param initialVariance initial σ²_θ of every entry (&gt; 0, finite)
   * @param samples S ≥ 1 reparameterised samples per expectation
   * @param inverseTemperature β &gt; 0 of the Gibbs likelihood
   * @param hyperPriorWeight w ≥ 0 of −log p(θ)
   * @param gammaShape a &gt; 0 of the Gamma hyper-prior on the precisions 1/σ²_θ
   * @param gammaRate b &gt; 0 of it
   * @param order how the inner steps are differentiated (never switched silently)
   */
  public record Config(int innerSteps, double innerStepSize, double klWeight, double initialVariance, int samples,
      double inverseTemperature, double hyperPriorWeight, double gammaShape, double gammaRate, GradientOrder order) {
    public Config {
      Hyper.atLeast("Abml", "inner steps", innerSteps, 0);
      nonNegative("inner step size α", innerStepSize);
      nonNegative("KL weight β_KL", klWeight);
      Hyper.positive("Abml", "initial prior variance σ²_θ", initialVariance);
      Hyper.atLeast("Abml", "samples", samples, 1);
      Hyper.positive("Abml", "inverse temperature β", inverseTemperature);
      nonNegative("hyper-prior weight", hyperPriorWeight);
      Hyper.positive("Abml", "Gamma shape a", gammaShape);
      Hyper.positive("Abml", "Gamma rate b", gammaRate);
      if (order == null) {
        throw new IllegalArgumentException("Abml: gradient order must be given (SECOND or FIRST)");
      }
    }

    private static void nonNegative(String what, double v) {
      if (!(v >= 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("Abml: " + what + " must be finite and >= 0, got " + v);
      }
    }
  }

  private final LogLikelihood logLikelihood;
  private final Config config;
  private final List<String> names;

  public Abml(Model model, Likelihood likelihood, Config config) {
    super("Abml", model, likelihood);
    this.config = Hyper.nonNull("Abml", "configuration", config);
    for (String n : model.parameterShapes().keySet()) {
      if (n.startsWith(LOG_VARIANCE) || n.startsWith(LOG_STD)) {
        throw new IllegalArgumentException("Abml: model parameter '" + n + "' uses a reserved prefix");
      }
    }
    this.logLikelihood = LogLikelihood.fromLoss(likelihood, config.inverseTemperature());
    this.names = List.copyOf(model.parameterShapes().keySet());
  }

  public Config config() {
    return config;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Params mu = model.init(seed, dtype);
    double lv = Math.log(config.initialVariance());
    LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
    mu.entries().forEach(e -> all.put(e.getKey(), e.getValue()));
    mu.entries().forEach(e -> all.put(LOG_VARIANCE + e.getKey(),
        Tensor.variable(Nd4j.valueArrayOf(e.getValue().shape(), lv, dtype), LOG_VARIANCE + e.getKey())));
    return Params.of(all);
  }

  /** μ_θ: the prior mean (the model's parameters). */
  public Params mean(Params meta) {
    return meta.subset(names);
  }

  /** log σ²_θ under the model's names. */
  public Params logVariance(Params meta) {
    List<Tensor> out = new ArrayList<>();
    for (String n : names) {
      if (!meta.has(LOG_VARIANCE + n)) {
        throw new IllegalArgumentException("Abml: meta-parameters lack '" + LOG_VARIANCE + n + "' (have "
            + meta.names() + ")");
      }
      out.add(meta.get(LOG_VARIANCE + n));
    }
    return Params.of(names, out);
  }

  /** p(φ | θ) = N(μ_θ, diag σ²_θ). */
  public GaussianPrior prior(Params meta) {
    return new GaussianPrior(mean(meta), logVariance(meta));
  }

  /**
   * q per task after K steps on the support set's negative ELBO per point, started at the prior;
   * step k's samples use a seed derived from {@code seed} and k.
   */
  public DiagonalGaussianPosterior posterior(Params meta, Data support, int steps, long seed) {
    Hyper.atLeast("Abml.posterior", "steps", steps, 0);
    GaussianPrior prior = prior(meta);
    long tasks = support.tasks();
    Params logStd = logVariance(meta).map(lv -> Ops.mulScalar(lv, 0.5));
    LinkedHashMap<String, Tensor> start = new LinkedHashMap<>();
    mean(meta).entries().forEach(e -> start.put(e.getKey(), Ops.expand(e.getValue(), tasks)));
    logStd.entries().forEach(e -> start.put(LOG_STD + e.getKey(), Ops.expand(e.getValue(), tasks)));
    long[] step = {0};
    GradientSteps.Objective negativeElbo = psi -> Ops.sum(
        perPointNegativeElbo(split(psi), prior, support, support.points(), seed * 7919 + step[0]++), false);
    double alpha = config.innerStepSize();
    GradientSteps.Update sgd = (psi, g) -> psi.zip(g, (p, d) -> Ops.addScaled(p, d, -alpha));
    boolean differentiable = GradientSteps.anyRequiresGrad(meta.tensors());
    return split(GradientSteps.run(Params.of(start), steps, negativeElbo, sgd, config.order(), differentiable));
  }

  // −(1/n_data) E_q log p(D | φ) + β_KL KL(q ‖ p) / n_support, per task [T].
  private Tensor perPointNegativeElbo(DiagonalGaussianPosterior q, GaussianPrior prior, Data data, long supportPoints,
      long seed) {
    Tensor nll = Ops.mulScalar(Elbo.expectedLogLikelihood(q, logLikelihood, data, config.samples(), seed),
        -1.0 / data.points());
    return config.klWeight() == 0 ? nll : Ops.addScaled(nll, q.klTo(prior), config.klWeight() / supportPoints);
  }

  private DiagonalGaussianPosterior split(Params psi) {
    List<Tensor> mu = new ArrayList<>();
    List<Tensor> s = new ArrayList<>();
    for (String n : names) {
      mu.add(psi.get(n));
      s.add(psi.get(LOG_STD + n));
    }
    return new DiagonalGaussianPosterior(Params.of(names, mu), Params.of(names, s));
  }

  /** −log p(θ) of the hyper-prior N(μ_θ; 0, I) · Gamma(1/σ²_θ; a, b), a scalar. */
  public Tensor negativeLogHyperPrior(Params meta) {
    Params mu = mean(meta);
    Params logPrecision = logVariance(meta).map(Ops::neg);
    Tensor normal = StandardNormal.like(mu).logDensity(mu);
    Tensor gamma = new GammaPrecisionPrior(config.gammaShape(), config.gammaRate(), model.parameterShapes(),
        mu.tensors().get(0).dtype()).logDensity(logPrecision);
    return Ops.neg(Ops.add(normal, gamma));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    DiagonalGaussianPosterior q = posterior(meta, support, config.innerSteps(), seed);
    Tensor perTask = perPointNegativeElbo(q, prior(meta), query, support.points(), seed * 7919 - 1);
    Tensor loss = Ops.mean(perTask, false);
    return config.hyperPriorWeight() == 0 ? loss
        : Ops.addScaled(loss, negativeLogHyperPrior(meta), config.hyperPriorWeight());
  }

  @Override
  public boolean decomposesOverTasks() {
    return config.hyperPriorWeight() == 0;
  }

  /** q's mean after {@code steps} inner steps (a fixed sampling seed, so adaptation is reproducible). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return posterior(meta, support, steps, ADAPT_SEED).mode();
  }

  /** k draws from each task's q. */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("Abml.hypotheses", "k", k);
    return posterior(meta, support, steps, seed).sample(k, seed);
  }

  @Override
  public String toString() {
    return "Abml(K=" + config.innerSteps() + ", α=" + config.innerStepSize() + ", β_KL=" + config.klWeight() + ", S="
        + config.samples() + ", w=" + config.hyperPriorWeight() + ")";
  }
}
