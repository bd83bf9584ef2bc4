package org.bml.algorithms;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Layers;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TaskPosterior;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Bayesian prototypical network: prototypical networks (Snell, Swersky & Zemel 2017,
 * arXiv:1703.05175) with the class means inferred instead of point-estimated, by conjugate
 * Gaussian inference in embedding space (the construction of the Gaussian class-mean models in
 * the paper's §2.3 and of e.g. Gaussian prototypical networks, made fully Bayesian).
 *
 * <p><b>Model.</b> In the embedding z = f_θ(x) ∈ ℝ^d, each class mean has the prior
 * μ_c ~ N(0, σ0² I) and class-c embeddings are z | c ~ N(μ_c, σ² I). With n_c support
 * embeddings summing to S_c, and κ = σ²/σ0²,
 * <pre>
 *   posterior     μ_c | S ~ N(m_c, v_c I),   m_c = S_c / (n_c + κ),   v_c = σ² / (n_c + κ)
 *   predictive    z | c, S ~ N(m_c, s_c² I), s_c² = σ² + v_c
 *   logits        ℓ_c(z) = log N(z; m_c, s_c² I) = −‖z − m_c‖² / (2 s_c²) − (d/2) log(2π s_c²)
 * </pre>
 * and the class probabilities are softmax(ℓ) (a uniform prior over classes). σ0² may be
 * {@code +∞} (κ = 0, a flat prior); σ² is fixed or learned (as its logarithm, meta-parameter
 * {@value #LOG_OBSERVATION_VARIANCE} of shape [1]).
 *
 * <p><b>Reduction to ProtoNets.</b> With σ0² = ∞, m_c is exactly the prototype S_c / n_c, and
 * s_c² = σ²(1 + 1/n_c). When every class has the same number of shots n, s_c² is one number
 * for all classes, so ℓ_c(z) = −‖z − m_c‖² / τ + (a constant shared by all classes) with
 * τ = 2σ²(1 + 1/n) ({@link #matchingTemperature}): the predicted class probabilities and the
 * cross-entropy equal those of {@code new ProtoNet(embedding, τ)} exactly (up to rounding); for
 * σ² = n / (2(n + 1)), τ = 1, the paper's ProtoNet. With unequal shots the classes with fewer
 * shots get wider predictives, and with finite σ0² the means shrink towards 0.
 *
 * <p>{@link #adapt} returns θ plus {@value #POSTERIOR_MEAN} {@code [T, C, d]} and
 * {@value #POSTERIOR_VARIANCE} {@code [T, C, 1]} (v_c, the variance of each coordinate of μ_c);
 * {@link #predict} gives the logits ℓ {@code [T, n, C]}. The number of steps is ignored (closed
 * form).
 */
public final class BayesianProtoNet implements MetaLearner {
  public static final String POSTERIOR_MEAN = "posterior.mean";
  public static final String POSTERIOR_VARIANCE = "posterior.variance";
  public static final String LOG_OBSERVATION_VARIANCE = "bayes.logObservationVariance";

  private final Model embedding;
  private final double priorVariance;
  private final double observationVariance;
  private final boolean learnObservationVariance;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  /**
   * @param priorVariance σ0² > 0, may be {@link Double#POSITIVE_INFINITY}
   * @param observationVariance σ² > 0 (its initial value when learned)
   * @param learnObservationVariance whether log σ² is a meta-parameter
   */
  public BayesianProtoNet(Model embedding, double priorVariance, double observationVariance,
      boolean learnObservationVariance) {
    this.embedding = Hyper.nonNull("BayesianProtoNet", "embedding model", embedding);
    if (!(priorVariance > 0)) {
      throw new IllegalArgumentException("BayesianProtoNet: prior variance must be > 0 (+∞ allowed), got "
          + priorVariance);
    }
    this.priorVariance = priorVariance;
    this.observationVariance = Hyper.positive("BayesianProtoNet", "observation variance", observationVariance);
    this.learnObservationVariance = learnObservationVariance;
    Hyper.reserved("BayesianProtoNet", embedding, POSTERIOR_MEAN, POSTERIOR_VARIANCE, LOG_OBSERVATION_VARIANCE);
  }

  /** The ProtoNet temperature τ = 2σ²(1 + 1/n) this model matches for σ0² = ∞ and n shots per class. */
  public static double matchingTemperature(double observationVariance, int shots) {
    Hyper.positive("BayesianProtoNet", "observation variance", observationVariance);
    Hyper.atLeast("BayesianProtoNet", "shots", shots, 1);
    return 2 * observationVariance * (1 + 1.0 / shots);
  }

  public Model embedding() {
    return embedding;
  }

  public double priorVariance() {
    return priorVariance;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Params theta = embedding.init(seed, dtype);
    if (!learnObservationVariance) {
      return theta;
    }
    return theta.with(LOG_OBSERVATION_VARIANCE, Tensor.variable(
        Layers.filled(Math.log(observationVariance), dtype, 1), LOG_OBSERVATION_VARIANCE));
  }

  /** σ² as a tensor (learned: exp of the meta-parameter, shape [1]; fixed: a constant scalar). */
  public Tensor observationVariance(Params params, DataType dtype) {
    return learnObservationVariance
        ? Ops.exp(params.get(LOG_OBSERVATION_VARIANCE))
        : Ops.scalar(observationVariance, dtype);
  }

  /** The Gaussian posterior over every task's class means given its support set. */
  public ClassMeanPosterior posterior(Params meta, Data support) {
    Tensor e = ClassStats.embed("BayesianProtoNet", embedding, meta, support.x());
    Tensor counts = ClassStats.counts("BayesianProtoNet", support.y());
    Tensor sigma2 = observationVariance(meta, e.dtype());
    // n_c + κ with κ = σ²/σ0² (exactly n_c when σ0² = ∞).
    Tensor denom = Double.isInfinite(priorVariance)
        ? counts
        : Ops.add(counts, Ops.mulScalar(sigma2, 1 / priorVariance));
    Tensor mean = Ops.div(ClassStats.sums(e, support.y()), denom);
    Tensor variance = Ops.div(Ops.broadcastTo(sigma2, 1), denom);
    return new ClassMeanPosterior(meta, mean, variance);
  }

  /** Mean query cross-entropy per task under the posterior predictive. */
  public Likelihood likelihood() {
    return (phi, d) -> ClassStats.crossEntropy(predict(phi, d.x()), d.y());
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    Likelihood lik = likelihood();
    return objective.loss(posterior(meta, support), query, lik);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("BayesianProtoNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    return posterior(meta, support).mode();
  }

  /**
   * {@code k} hypotheses, each θ with class means sampled from the posterior ({@link
   * ClassMeanPosterior#sample}: μ ~ N(m, v I), predictions given those means), seeded by
   * {@code seed}. The mean of their softmax is E_μ[p(c | z, μ)], a mixture over class means; it is
   * not the closed-form predictive of {@link #adapt}, which integrates μ out of p(z | c) before
   * normalising over classes (the two agree as v → 0). The number of steps is ignored.
   */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.atLeast("BayesianProtoNet", "number of hypotheses k", k, 1);
    ClassMeanPosterior q = posterior(meta, support);
    SplittableRandom seeds = new SplittableRandom(seed);
    List<Params> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      out.add(q.sample(seeds.nextLong()));
    }
    return out;
  }

  /** Posterior-predictive class log-densities ℓ_c(z) {@code [T, n, C]}. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("BayesianProtoNet", embedding, adapted, x);
    Tensor mean = adapted.get(POSTERIOR_MEAN);
    Tensor v = adapted.get(POSTERIOR_VARIANCE);
    long t = v.size(0);
    long c = v.size(1);
    long d = z.size(2);
    Tensor s2 = Ops.reshape(Ops.add(v, observationVariance(adapted, z.dtype())), t, 1, c);
    Tensor d2 = Ops.squaredDistances(z, mean);
    Tensor quad = Ops.div(d2, Ops.mulScalar(s2, 2.0));
    Tensor logNorm = Ops.mulScalar(Ops.log(Ops.mulScalar(s2, 2 * Math.PI)), 0.5 * d);
    return Ops.neg(Ops.add(quad, logNorm));
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return likelihood().perTask(adapted, data);
  }

  /**
   * q(μ | S) = Π_c N(μ_c; m_c, v_c I) per task. {@link #mode()} is θ ∪ {m, v}, on which
   * {@link BayesianProtoNet#predict} gives the posterior predictive; {@link #sample(long)} is
   * θ ∪ {μ ~ q (reparameterised, m + √v·ε), v = 0}, on which predict gives the class likelihoods
   * given those means.
   */
  public static final class ClassMeanPosterior implements TaskPosterior {
    private final Params shared;
    private final Tensor mean;
    private final Tensor variance;

    ClassMeanPosterior(Params shared, Tensor mean, Tensor variance) {
      this.shared = shared;
      this.mean = mean;
      this.variance = variance;
    }

    /** m {@code [T, C, d]}. */
    public Tensor mean() {
      return mean;
    }

    /** v {@code [T, C, 1]}: the variance of every coordinate of a class mean. */
    public Tensor variance() {
      return variance;
    }

    @Override
    public Params mode() {
      return shared.with(POSTERIOR_MEAN, mean).with(POSTERIOR_VARIANCE, variance);
    }

    @Override
    public Params sample(long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      double[] eps = new double[Math.toIntExact(mean.length())];
      for (int i = 0; i < eps.length; i++) {
        eps[i] = rng.nextGaussian();
      }
      Tensor noise = Tensor.constant(Nd4j.create(eps, mean.shape(), DataType.DOUBLE).castTo(mean.dtype()));
      Tensor mu = Ops.add(mean, Ops.mul(Ops.sqrt(variance), noise));
      return shared.with(POSTERIOR_MEAN, mu)
          .with(POSTERIOR_VARIANCE, Tensor.constant(Nd4j.zeros(variance.dtype(), variance.shape())));
    }

    @Override
    public boolean isPointMass() {
      return false;
    }
  }
}
