package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.LogPrior;
import org.bml.priors.GammaPrecisionPrior;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The log posterior that BMAML's SVGD particles climb (Yoon, Kim, Dia, Kim, Bengio &amp; Ahn, NeurIPS
 * 2018, arXiv:1806.03836, appendix): each particle is the network's weights w plus, as extra
 * entries, log γ (the likelihood precision, regression only) and log λ (the weight precision),
 *
 * <pre>  log p(w, γ, λ | D) = Σ_i log N(y_i; f(x_i; w), 1/γ) + log N(w; 0, I/λ)
 *                       + log Gamma(γ; a, b) + log Gamma(λ; a', b') + const</pre>
 *
 * (classification: Σ_i log softmax(f(x_i; w))_{y_i} and no γ). The Gamma terms are over the
 * log-precisions, Jacobian included ({@link GammaPrecisionPrior}). The weight prior N(0, I/λ)
 * with a per-particle λ is written here with the ops: the priors module's Gaussians hold one
 * variance for all rows, not one per particle.
 *
 * <p>{@link #negativeLoss} is the degenerate target −L(w) of a mean loss, without precisions or
 * prior: with one particle SVGD on it is exactly MAML's inner loop. Immutable.
 */
public final class BmamlPosterior {
  /** Name of the log likelihood-precision entry of a particle. */
  public static final String LOG_GAMMA = "log_gamma";
  /** Name of the log weight-precision entry of a particle. */
  public static final String LOG_LAMBDA = "log_lambda";
  private static final long[] ONE = {1};

  private final Model model;
  private final BmamlEnsemble.Output output;
  private final Likelihood loss;
  private final double[] noisePrior; // {a, b} or null
  private final double[] weightPrior; // {a', b'} or null
  private final double initialGamma; // NaN: the prior mean a/b
  private final double initialLambda; // NaN: the prior mean a'/b'

  private BmamlPosterior(Model model, BmamlEnsemble.Output output, Likelihood loss, double[] noisePrior,
      double[] weightPrior) {
    this(model, output, loss, noisePrior, weightPrior, Double.NaN, Double.NaN);
  }

  private BmamlPosterior(Model model, BmamlEnsemble.Output output, Likelihood loss, double[] noisePrior,
      double[] weightPrior, double initialGamma, double initialLambda) {
    if (model == null || output == null || loss == null) {
      throw new IllegalArgumentException("BmamlPosterior: model, output kind and loss must be given");
    }
    for (String reserved : new String[] {LOG_GAMMA, LOG_LAMBDA}) {
      if (model.parameterShapes().containsKey(reserved)) {
        throw new IllegalArgumentException("BmamlPosterior: the model has a parameter named '" + reserved
            + "', which BMAML reserves for a particle's log-precision");
      }
    }
    if (noisePrior != null) {
      gamma(noisePrior[0], noisePrior[1], LOG_GAMMA); // validates a, b
    }
    if (weightPrior != null) {
      gamma(weightPrior[0], weightPrior[1], LOG_LAMBDA);
    }
    this.model = model;
    this.output = output;
    this.loss = loss;
    this.noisePrior = noisePrior;
    this.weightPrior = weightPrior;
    this.initialGamma = initialGamma;
    this.initialLambda = initialLambda;
  }

  /**
   * The same posterior with the particles' initial precisions γ_0 and λ_0 (> 0, finite) instead of
   * the prior means (the authors' sinusoid code starts at γ_0 = 100, λ_0 = 1 under Gamma(2, 0.2) and
   * Gamma(2, 2) priors). An entry the posterior does not carry is ignored.
   */
  public BmamlPosterior withInitialPrecisions(double gamma, double lambda) {
    for (double v : new double[] {gamma, lambda}) {
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("BmamlPosterior: initial precisions must be positive and finite, got γ_0 = "
            + gamma + ", λ_0 = " + lambda);
      }
    }
    return new BmamlPosterior(model, output, loss, noisePrior, weightPrior, gamma, lambda);
  }

  /**
   * Regression with Gaussian noise of learned precision γ ~ Gamma(a, b) and weights
   * N(0, I/λ), λ ~ Gamma(a', b'): the paper's sinusoid posterior.
   */
  public static BmamlPosterior gaussianRegression(Model model, double gammaShape, double gammaRate,
      double lambdaShape, double lambdaRate) {
    return new BmamlPosterior(model, BmamlEnsemble.Output.REGRESSION, Likelihood.meanSquaredError(model),
        new double[] {gammaShape, gammaRate}, new double[] {lambdaShape, lambdaRate});
  }

  /** Softmax classification with weights N(0, I/λ), λ ~ Gamma(a', b') (no likelihood precision). */
  public static BmamlPosterior classification(Model model, double lambdaShape, double lambdaRate) {
    return new BmamlPosterior(model, BmamlEnsemble.Output.CLASSIFICATION, Likelihood.softmaxCrossEntropy(model), null,
        new double[] {lambdaShape, lambdaRate});
  }

  /**
   * The target −L(w) for a per-task mean loss L, no precisions and no prior (the degenerate case:
   * SVGD with one particle on it is MAML's inner loop, step size ε = α).
   */
  public static BmamlPosterior negativeLoss(Model model, Likelihood loss, BmamlEnsemble.Output output) {
    return new BmamlPosterior(model, output, loss, null, null);
  }

  public Model model() {
    return model;
  }

  public BmamlEnsemble.Output output() {
    return output;
  }

  /** The per-particle training loss (MSE or cross-entropy, or the given loss). */
  public Likelihood loss() {
    return loss;
  }

  /** P, the number of network weights (the dimension of the weight prior N(0, I/λ)). */
  public long weightCount() {
    long count = 0;
    for (long[] s : model.parameterShapes().values()) {
      long n = 1;
      for (long d : s) {
        n *= d;
      }
      count += n;
    }
    return count;
  }

  public boolean learnsNoise() {
    return noisePrior != null;
  }

  public boolean hasWeightPrior() {
    return weightPrior != null;
  }

  /** Names of one particle: the model's, then log γ and log λ where present. */
  public List<String> particleNames() {
    List<String> names = new ArrayList<>(model.parameterShapes().keySet());
    if (noisePrior != null) {
      names.add(LOG_GAMMA);
    }
    if (weightPrior != null) {
      names.add(LOG_LAMBDA);
    }
    return names;
  }

  /**
   * Particle m's initial values: the model's init under seed (seed, m), log γ and log λ at the log
   * of their prior means a/b (or of {@link #withInitialPrecisions}), all variables.
   */
  public Params initialParticle(long seed, int m, DataType dtype) {
    Params w = model.init(seed * 1_000_003L + m, dtype);
    LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
    w.entries().forEach(e -> all.put(e.getKey(), e.getValue()));
    if (noisePrior != null) {
      all.put(LOG_GAMMA, Tensor.variable(Nd4j.valueArrayOf(ONE,
          Math.log(Double.isNaN(initialGamma) ? noisePrior[0] / noisePrior[1] : initialGamma), dtype),
          LOG_GAMMA));
    }
    if (weightPrior != null) {
      all.put(LOG_LAMBDA, Tensor.variable(Nd4j.valueArrayOf(ONE,
          Math.log(Double.isNaN(initialLambda) ? weightPrior[0] / weightPrior[1] : initialLambda), dtype),
          LOG_LAMBDA));
    }
    return Params.of(all);
  }

  /** log p(D | w, γ) per row {@code [L]} (summed over points), or −L(w) for {@link #negativeLoss}. */
  public LogLikelihood logLikelihood() {
    if (noisePrior == null && output == BmamlEnsemble.Output.CLASSIFICATION && weightPrior != null) {
      return (phi, d) -> Ops.neg(Ops.sum(Ops.softmaxCrossEntropy(model.forward(phi, d.x()), d.y(), -1), false, 1));
    }
    if (noisePrior == null) {
      return (phi, d) -> Ops.neg(loss.perTask(phi, d));
    }
    return (phi, d) -> {
      // −½ Σ_i [γ (y_i − f_i)² − log γ + log 2π], γ per row.
      Tensor sq = Ops.sum(Ops.square(Ops.sub(model.forward(phi, d.x()), d.y())), false, 1, 2); // [L]
      Tensor logGamma = Ops.reshape(phi.get(LOG_GAMMA), sq.size(0));
      double n = d.points() * d.y().size(2);
      Tensor fit = Ops.mul(Ops.exp(logGamma), sq);
      return Ops.mulScalar(Ops.sub(Ops.addScalar(fit, n * Math.log(2 * Math.PI)), Ops.mulScalar(logGamma, n)), -0.5);
    };
  }

  /** log p(w | λ) + log Gamma(γ) + log Gamma(λ) per row {@code [L]}; identically 0 for {@link #negativeLoss}. */
  public LogPrior logPrior(DataType dtype) {
    if (weightPrior == null) {
      return phi -> Tensor.constant(Nd4j.zeros(dtype, rows(phi)));
    }
    GammaPrecisionPrior lambdaPrior = gamma(weightPrior[0], weightPrior[1], LOG_LAMBDA, dtype);
    GammaPrecisionPrior gammaPrior = noisePrior == null ? null : gamma(noisePrior[0], noisePrior[1], LOG_GAMMA, dtype);
    double weights = weightCount();
    return phi -> {
      long l = rows(phi);
      Tensor sq = null;
      for (String n : model.parameterShapes().keySet()) {
        Tensor w = phi.get(n);
        Tensor s = Ops.sum(Ops.reshape(Ops.square(w), l, -1), false, 1);
        sq = sq == null ? s : Ops.add(sq, s);
      }
      Tensor logLambda = Ops.reshape(phi.get(LOG_LAMBDA), l);
      // log N(w; 0, I/λ) = (P/2) log λ − (P/2) log 2π − (λ/2) ‖w‖²
      Tensor weightTerm = Ops.addScalar(Ops.sub(Ops.mulScalar(logLambda, weights / 2),
          Ops.mulScalar(Ops.mul(Ops.exp(logLambda), sq), 0.5)), -weights / 2 * Math.log(2 * Math.PI));
      Tensor total = Ops.add(weightTerm, lambdaPrior.logDensity(Params.of(List.of(LOG_LAMBDA),
          List.of(phi.get(LOG_LAMBDA)))));
      if (gammaPrior != null) {
        total = Ops.add(total, gammaPrior.logDensity(Params.of(List.of(LOG_GAMMA), List.of(phi.get(LOG_GAMMA)))));
      }
      return total;
    };
  }

  /** The predictive noise variance 1/γ of each member of an ensemble, {@code [T, M]}; empty without γ. */
  public java.util.Optional<Tensor> noiseVariance(Params ensemble) {
    if (noisePrior == null) {
      return java.util.Optional.empty();
    }
    Tensor lg = ensemble.get(LOG_GAMMA);
    return java.util.Optional.of(Ops.exp(Ops.neg(Ops.reshape(lg, lg.size(0), lg.size(1)))));
  }

  private static long rows(Params phi) {
    return phi.tensors().get(0).size(0);
  }

  private static GammaPrecisionPrior gamma(double a, double b, String name) {
    return gamma(a, b, name, DataType.DOUBLE);
  }

  private static GammaPrecisionPrior gamma(double a, double b, String name, DataType dtype) {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    s.put(name, ONE.clone());
    return new GammaPrecisionPrior(a, b, s, dtype);
  }

  @Override
  public String toString() {
    return "BmamlPosterior(" + output + (noisePrior == null ? "" : ", γ ~ Gamma(" + noisePrior[0] + ", "
        + noisePrior[1] + ")") + (weightPrior == null ? "" : ", λ ~ Gamma(" + weightPrior[0] + ", " + weightPrior[1]
        + ")") + (Double.isNaN(initialGamma) ? "" : ", γ_0 = " + initialGamma + ", λ_0 = " + initialLambda)
        + (noisePrior == null && weightPrior == null ? ", target −L" : "") + ")";
  }
}
