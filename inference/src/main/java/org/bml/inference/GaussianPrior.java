package org.bml.inference;

import java.util.Arrays;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.priors.DiagonalGaussian;

/**
 * φ ~ N(μ, diag exp(log σ²)), the Gaussian prior of the hierarchical-Bayes meta-learners
 * (μ = θ in PLATIPUS, Finn, Xu & Levine 2018; in ABML, Ravi & Beatson 2019; and as the prior
 * implicit in MAML's early stopping, Grant et al. 2018).
 *
 * <p>Lifecycle: built from the prior's mean and log-variances (usually by a {@link PriorFamily}
 * from θ), immutable, used as a {@link LogPrior} and by the closed-form KL of the variational
 * strategies. The mean and the log-variances may be variables (meta-parameters), or carry the
 * leading task axis; φ always carries it. A thin view: the density, sampling and closed-form KL
 * are the priors module's ({@link #asFactorised} gives the {@link DiagonalGaussian}), so there is
 * one implementation of the Gaussian; this class keeps the inference layer's convenient
 * constructor (broadcastable log-variances, a mean with or without the task axis).
 */
public final class GaussianPrior implements LogPrior {
  private final Params mean;
  private final Params logVariance;

  /**
   * @param mean μ, one tensor per parameter (its declared shape, or with the task axis)
   * @param logVariance log σ², same names, each shape equal to μ's or broadcastable to it
   *     (e.g. a scalar for an isotropic prior); values must be finite
   */
  public GaussianPrior(Params mean, Params logVariance) {
    if (mean == null || logVariance == null) {
      throw new IllegalArgumentException("GaussianPrior: mean and log-variance must be given");
    }
    try {
      mean.requireSameNames(logVariance);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GaussianPrior: mean and log-variance name different parameters: "
          + e.getMessage(), e);
    }
    for (Map.Entry<String, Tensor> e : logVariance.entries()) {
      Tensor lv = e.getValue();
      Tensor m = mean.get(e.getKey());
      if (lv.dtype() != m.dtype()) {
        throw new IllegalArgumentException("GaussianPrior: '" + e.getKey() + "' has mean dtype " + m.dtype()
            + " but log-variance dtype " + lv.dtype());
      }
      if (lv.rank() > m.rank()) {
        throw new IllegalArgumentException("GaussianPrior: log-variance of '" + e.getKey() + "' has shape "
            + Arrays.toString(lv.shape()) + ", not broadcastable to the mean's " + Arrays.toString(m.shape()));
      }
      double min = lv.value().minNumber().doubleValue();
      double max = lv.value().maxNumber().doubleValue();
      if (!Double.isFinite(min) || !Double.isFinite(max)) {
        throw new IllegalArgumentException("GaussianPrior: log-variance of '" + e.getKey()
            + "' is not finite (variances must be positive and finite)");
      }
    }
    this.mean = mean;
    this.logVariance = logVariance;
  }

  /** N(μ, σ² I) with one fixed variance σ² > 0. */
  public static GaussianPrior isotropic(Params mean, double variance) {
    if (!(variance > 0) || !Double.isFinite(variance)) {
      throw new IllegalArgumentException("GaussianPrior.isotropic: variance must be positive and finite, got " + variance);
    }
    return new GaussianPrior(mean, mean.map(t -> Ops.scalar(Math.log(variance), t.dtype())));
  }

  public Params mean() {
    return mean;
  }

  public Params logVariance() {
    return logVariance;
  }

  /** log σ² of one parameter broadcast to its mean's shape. */
  public Tensor logVariance(String name) {
    Tensor lv = logVariance.get(name);
    Tensor m = mean.get(name);
    return Arrays.equals(lv.shape(), m.shape()) ? lv : Ops.broadcastTo(lv, m.shape());
  }

  /**
   * This prior as the priors module's {@link DiagonalGaussian} (the one implementation of the
   * Gaussian's density, sampling and KL): per task when the mean carries the task axis of
   * {@code like}'s tensors (same rank), shared otherwise; log-variances broadcast to the mean.
   *
   * @param like parameters with the leading axis the prior is evaluated on (e.g. φ or a posterior mean)
   */
  public DiagonalGaussian asFactorised(Params like) {
    String first = mean.names().get(0);
    boolean perTask = like != null && like.names().contains(first) && like.get(first).rank() == mean.get(first).rank();
    Params logVar = mean.mapNamed((n, m) -> logVariance(n));
    return perTask ? DiagonalGaussian.perTask(mean, logVar) : new DiagonalGaussian(mean, logVar);
  }

  /**
   * log p(φ), {@code [L]}: φ's tensors carry a leading axis L (the mean's shape with one more axis,
   * or the same task axis as a per-task mean). Computed by {@link #asFactorised}; a φ over other
   * parameters or shapes is an {@link IllegalArgumentException}.
   */
  @Override
  public Tensor logDensity(Params phi) {
    try {
      mean.requireSameNames(phi);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GaussianPrior.logDensity: φ and the prior are over different parameters: "
          + e.getMessage(), e);
    }
    return asFactorised(phi).logDensity(phi);
  }

  @Override
  public String toString() {
    return "GaussianPrior" + mean;
  }
}
