package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.algorithms.Anil;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.datasets.Seeds;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.regularizers.ActivationRegularizer;
import org.bml.regularizers.Composed;
import org.bml.regularizers.StochasticBottleneck;

/**
 * MR-MAML(A): MAML with meta-regularisation on activations (Yin, Tucker, Zhou, Levine &amp; Finn,
 * ICLR 2020, "Meta-Learning without Memorization", arXiv:1912.03820, Algorithm 1). A
 * {@link StochasticBottleneck} encodes support and query inputs into z ~ q(z | x) =
 * N(μ(x), σ(x)²) (reparameterised, independent noise per point); the decoder follows MAML's inner
 * loop on the support activations ({@link TruncatedGradientDescent}, second order through z to the
 * encoder), and the meta-loss is the mean query loss of the adapted decoder on the query
 * activations plus β·KL(q(z | x) ‖ N(0, I)) averaged over points ({@link ActivationRegularizer};
 * on the query points as in the paper, or on support and query).
 *
 * <p>At meta-test time {@link #adapt} adapts on the mean activations μ(x) and {@link #predict}
 * decodes μ(x), as the authors' code does; {@link #hypotheses} adapts on k sampled support
 * activations. The per-task loss terms and their noise are independent across tasks, so the loss
 * decomposes over tasks. With {@link ActivationRegularizer#zeroVariance} (z = μ(x), β = 0) this is
 * {@link Anil} on the bottleneck's mean path with the decoder as head.
 */
public final class MrMamlActivations extends InnerLoopLearner {
  /** Where the KL on activations is taken. */
  public enum KlPoints {
    /** The query points only (the paper's objective). */
    QUERY,
    /** Support and query points, weighted by their counts. */
    SUPPORT_AND_QUERY
  }

  private final StochasticBottleneck bottleneck;
  private final Likelihood decoderLikelihood;
  private final ActivationRegularizer activations;
  private final KlPoints klPoints;

  /**
   * @param loss the per-task loss for a model, e.g. {@code Likelihood::meanSquaredError} or
   *     {@code Likelihood::softmaxCrossEntropy}; applied to the decoder (inner loop, meta-loss) and
   *     to the mean path (evaluation)
   * @param innerSteps k ≥ 0
   * @param innerStepSize α ≥ 0
   */
  public MrMamlActivations(StochasticBottleneck model, Function<Model, Likelihood> loss,
      ActivationRegularizer activations, KlPoints klPoints, int innerSteps, double innerStepSize,
      GradientOrder order) {
    this(model, loss, activations, klPoints, new TruncatedGradientDescent(innerSteps, innerStepSize, order));
  }

  /** With a given inner loop for the decoder (e.g. a base learner's, see {@link #wrap}). */
  public MrMamlActivations(StochasticBottleneck model, Function<Model, Likelihood> loss,
      ActivationRegularizer activations, KlPoints klPoints, TruncatedGradientDescent inner) {
    // The mean path's loss is the base's (evaluation); the decoder's drives the inner loop.
    super("MrMamlActivations", model, Hyper.nonNull("MrMamlActivations", "loss", loss).apply(model), inner);
    this.bottleneck = model;
    this.decoderLikelihood = Hyper.nonNull("MrMamlActivations", "loss of the decoder",
        loss.apply(model.decoder()));
    this.activations = Hyper.nonNull("MrMamlActivations", "activation regularizer", activations);
    this.klPoints = Hyper.nonNull("MrMamlActivations", "KL points", klPoints);
  }

  /** β·KL on the query activations, the paper's objective. */
  public static MrMamlActivations create(StochasticBottleneck model, Function<Model, Likelihood> loss, double beta,
      int innerSteps, double innerStepSize, GradientOrder order) {
    return new MrMamlActivations(model, loss, new ActivationRegularizer(beta), KlPoints.QUERY, innerSteps,
        innerStepSize, order);
  }

  /** The paper's latent dimension L of z: 5 on its sinusoid network, 64 on images (the CLI's {@code latent-dim=auto}). */
  public static int defaultLatentDim(boolean regression) {
    return regression ? 5 : 64;
  }

  /**
   * MR-MAML(A) around a base learner: the bottleneck's decoder follows the base's inner loop (its
   * steps, step size, order and preconditioning); β·KL on the query activations, the paper's objective.
   */
  public static MrMamlActivations wrap(InnerLoopLearner base, StochasticBottleneck model,
      Function<Model, Likelihood> loss, double beta) {
    Hyper.nonNull("MrMamlActivations", "base learner", base);
    return new MrMamlActivations(model, loss, new ActivationRegularizer(beta), KlPoints.QUERY, base.inner());
  }

  /** z = μ(x) exactly and β = 0: {@link Anil} on the mean path with the decoder adapted. */
  public static MrMamlActivations zeroVariance(StochasticBottleneck model, Function<Model, Likelihood> loss,
      int innerSteps, double innerStepSize, GradientOrder order) {
    return new MrMamlActivations(model, loss, ActivationRegularizer.zeroVariance(), KlPoints.QUERY, innerSteps,
        innerStepSize, order);
  }

  @Override
  public StochasticBottleneck model() {
    return bottleneck;
  }

  public ActivationRegularizer activations() {
    return activations;
  }

  public KlPoints klPoints() {
    return klPoints;
  }

  /** The meta-loss with the noise of seed 0 (see {@link #metaLoss(Params, Data, Data, long)}). */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    StochasticBottleneck.Encoding qs = bottleneck.encode(meta, support.x());
    StochasticBottleneck.Encoding qq = bottleneck.encode(meta, query.x());
    Tensor zs = activations.activations(qs, Seeds.streamSeed(seed, 0));
    Tensor zq = activations.activations(qq, Seeds.streamSeed(seed, 1));
    Params decoder = adaptDecoder(meta, new Data(zs, support.y()), inner.steps());
    Tensor loss = Ops.mean(decoderLikelihood.perTask(decoder, new Data(zq, query.y())), false);
    if (!activations.penalises()) {
      return loss;
    }
    return Ops.add(loss, activations.penalty(klPoints == KlPoints.QUERY ? List.of(qq) : List.of(qs, qq)));
  }

  /** θ with the decoder replaced by per-task values after {@code steps} steps on the mean activations μ(x). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Tensor mean = bottleneck.encode(meta, support.x()).mean();
    return withDecoder(meta, adaptDecoder(meta, new Data(mean, support.y()), steps));
  }

  /** k decoders, each adapted on sampled support activations (one hypothesis for zero variance). */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("MrMamlActivations.hypotheses", "k", k);
    if (activations.isZeroVariance()) {
      return List.of(adapt(meta, support, steps));
    }
    StochasticBottleneck.Encoding qs = bottleneck.encode(meta, support.x());
    List<Params> out = new ArrayList<>(k);
    for (int j = 0; j < k; j++) {
      Tensor zs = activations.activations(qs, Seeds.streamSeed(seed, j));
      out.add(withDecoder(meta, adaptDecoder(meta, new Data(zs, support.y()), steps)));
    }
    return out;
  }

  private Params adaptDecoder(Params meta, Data latent, int steps) {
    return inner.adapt(Composed.part(meta, Composed.DECODER), latent, decoderLikelihood, steps);
  }

  private static Params withDecoder(Params meta, Params decoder) {
    return meta.withAll(Composed.prefix(decoder, Composed.DECODER));
  }

  @Override
  public String toString() {
    return "MrMamlActivations(" + bottleneck + ", " + activations + ", KL on " + klPoints + ", " + inner + ")";
  }
}
