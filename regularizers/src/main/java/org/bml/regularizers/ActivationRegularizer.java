package org.bml.regularizers;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.StandardNormal;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MR-MAML(A), meta-regularisation on activations (Yin, Tucker, Zhou, Levine &amp; Finn, ICLR 2020,
 * "Meta-Learning without Memorization", arXiv:1912.03820, §4.1 and Algorithm 1): the activations
 * z of a {@link StochasticBottleneck} are sampled from q(z | x) (support and query inputs alike)
 * and the meta-loss gets β·KL(q(z | x) ‖ N(0, I)), averaged over points (summed over the latent
 * dimensions), which bounds the information the query input alone carries about its label.
 * The KL is the priors module's closed form ({@link DiagonalGaussian#klDivergence} against
 * {@link StandardNormal}).
 *
 * <p>Note: the authors' sinusoid notebook averages the KL over the latent dimensions too; its
 * β = 5 with a 5-dimensional z is β = 1 here.
 *
 * <p>{@link #zeroVariance} asks for exact zero variance: z = μ(x) and β must be 0 (the KL of a
 * point mass is infinite), which is the plain point-estimate learner on the mean path.
 */
public final class ActivationRegularizer {
  private final double beta;
  private final boolean zeroVariance;

  /** @param beta β ≥ 0 (finite) */
  public ActivationRegularizer(double beta) {
    this(beta, false);
  }

  private ActivationRegularizer(double beta, boolean zeroVariance) {
    this.beta = Checks.beta("ActivationRegularizer", beta);
    this.zeroVariance = zeroVariance;
  }

  /** Exact zero variance (z = μ(x)) with β = 0. */
  public static ActivationRegularizer zeroVariance() {
    return new ActivationRegularizer(0.0, true);
  }

  /** Zero variance with a given β: rejected unless β = 0 (KL of a point mass to N(0, I) is infinite). */
  public static ActivationRegularizer zeroVariance(double beta) {
    Checks.beta("ActivationRegularizer", beta);
    if (beta != 0) {
      throw new IllegalArgumentException("ActivationRegularizer: zero variance needs β = 0 (the KL of a point mass to "
          + "N(0, I) is infinite), got β = " + beta);
    }
    return zeroVariance();
  }

  public double beta() {
    return beta;
  }

  public boolean isZeroVariance() {
    return zeroVariance;
  }

  public boolean penalises() {
    return !zeroVariance && beta > 0;
  }

  /** z for an encoding: a reparameterised sample, or exactly μ with zero variance. */
  public Tensor activations(StochasticBottleneck.Encoding q, long seed) {
    return zeroVariance ? q.mean() : q.sample(seed);
  }

  /**
   * KL(q(z | x) ‖ N(0, I)) summed over latent dimensions and averaged over the points of each
   * task, {@code [T]}.
   *
   * @throws ArithmeticException if σ underflowed to 0 or anything overflowed
   */
  public static Tensor klPerTask(StochasticBottleneck.Encoding q) {
    long[] shape = q.mean().shape(); // [T, n, d]
    Tensor logVar = Ops.mulScalar(Ops.log(q.std()), 2.0);
    double minStd = q.std().value().minNumber().doubleValue();
    if (!(minStd > 0) || !Double.isFinite(q.std().value().maxNumber().doubleValue())) {
      throw new ArithmeticException("ActivationRegularizer: σ(x) ranges to " + minStd + " .. "
          + q.std().value().maxNumber() + "; KL(q(z | x) ‖ N(0, I)) needs 0 < σ < ∞ (the encoder's s underflows "
          + "or overflows softplus: reduce the learning rate or β, or clip gradients)");
    }
    DiagonalGaussian gq = DiagonalGaussian.perTask(Params.of(List.of("z"), List.of(q.mean())),
        Params.of(List.of("z"), List.of(logVar)));
    java.util.LinkedHashMap<String, long[]> declared = new java.util.LinkedHashMap<>();
    declared.put("z", new long[] {shape[1], shape[2]});
    Tensor kl = gq.klDivergence(new StandardNormal(declared, q.mean().dtype()));
    return Ops.mulScalar(kl, 1.0 / shape[1]);
  }

  /**
   * β · (mean over tasks of {@link #klPerTask}) averaged over the given encodings (e.g. support
   * and query, weighted by their point counts); a constant 0 when the penalty is off.
   */
  public Tensor penalty(List<StochasticBottleneck.Encoding> encodings) {
    if (encodings == null || encodings.isEmpty()) {
      throw new IllegalArgumentException("ActivationRegularizer: no encodings given");
    }
    if (!penalises()) {
      return Tensor.constant(Nd4j.scalar(encodings.get(0).mean().dtype(), 0.0));
    }
    Tensor total = null;
    long points = 0;
    for (StochasticBottleneck.Encoding q : encodings) {
      points += q.mean().size(1);
    }
    for (StochasticBottleneck.Encoding q : encodings) {
      Tensor weighted = Ops.mulScalar(Ops.mean(klPerTask(q), false), (double) q.mean().size(1) / points);
      total = total == null ? weighted : Ops.add(total, weighted);
    }
    Checks.finiteKl("ActivationRegularizer", "KL(q(z | x) ‖ N(0, I))", total.item(),
        "the encoder's μ(x) or σ(x) is huge: reduce the learning rate or β, or clip gradients");
    return Ops.mulScalar(total, beta);
  }

  @Override
  public String toString() {
    return "ActivationRegularizer(" + (zeroVariance ? "zero variance" : "β=" + beta) + ")";
  }
}
