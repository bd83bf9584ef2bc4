package org.bml.inference;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;

/**
 * The calibrated data term of the Bayesian strategies: log p(D | φ) per task, summed over the
 * task's points (not averaged), shape {@code [T]}, built from the differentiable ops.
 *
 * <p>Unlike {@link Likelihood} (a per-point mean loss "up to constants", what gradient descent
 * needs), the scale matters here: the Laplace evidence, the ELBO and the SVGD target are only
 * meaningful when this is the log-likelihood. {@link #gaussian} and {@link #categorical} are exact,
 * constants included; {@link #fromLoss} rescales a loss.
 */
@FunctionalInterface
public interface LogLikelihood {
  /** log p(D | φ) for each task: φ's tensors carry the leading task axis T of {@code data}. */
  Tensor perTask(Params phi, Data data);

  /**
   * Regression with Gaussian noise: y = f(x; φ) + ε, ε ~ N(0, σ² I), constants included
   * (−½ Σ [(y − f)²/σ² + log 2πσ²]). Targets {@code [T, n, outputs]}.
   */
  static ModelLikelihood gaussian(Model model, double noiseStd) {
    return new ModelLikelihood(model, OutputDistribution.gaussian(noiseStd));
  }

  /** Classification with a softmax over the model's outputs, one-hot targets {@code [T, n, classes]}. */
  static ModelLikelihood categorical(Model model) {
    return new ModelLikelihood(model, OutputDistribution.categorical());
  }

  /**
   * Classification as {@link #categorical}, whose curvature factor is the Monte-Carlo Fisher of
   * {@link SampledCategorical} (S labels sampled from the model's predictive per point, Martens &amp;
   * Grosse 2015 §5): S reverse passes per curvature instead of one per class.
   */
  static ModelLikelihood categoricalMonteCarlo(Model model, int samples, long seed) {
    return new ModelLikelihood(model, new SampledCategorical(samples, seed));
  }

  /**
   * log p(D | φ) = −β · n · loss(φ) for a per-point mean loss (n points per task), i.e. a
   * Gibbs likelihood at inverse temperature β. This equals the log-likelihood up to an additive
   * constant when the loss is a negative log-likelihood per point divided by β: β = 1 for
   * {@link Likelihood#softmaxCrossEntropy} (then exact), β = 1/(2σ²) for
   * {@link Likelihood#meanSquaredError} with noise σ (then up to −(n/2) log 2πσ²).
   */
  static LogLikelihood fromLoss(Likelihood loss, double inverseTemperature) {
    if (loss == null) {
      throw new IllegalArgumentException("LogLikelihood.fromLoss: loss must be given");
    }
    if (!(inverseTemperature > 0) || !Double.isFinite(inverseTemperature)) {
      throw new IllegalArgumentException("LogLikelihood.fromLoss: inverse temperature must be positive and finite, got "
          + inverseTemperature);
    }
    return (phi, d) -> Ops.mulScalar(loss.perTask(phi, d), -inverseTemperature * d.points());
  }
}
