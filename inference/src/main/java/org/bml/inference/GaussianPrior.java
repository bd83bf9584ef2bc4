package org.bml.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * φ ~ N(μ, diag exp(log σ²)), the Gaussian prior of the hierarchical-Bayes meta-learners
 * (μ = θ in PLATIPUS, Finn, Xu & Levine 2018; in ABML, Ravi & Beatson 2019; and as the prior
 * implicit in MAML's early stopping, Grant et al. 2018).
 *
 * <p>Lifecycle: built from the prior's mean and log-variances (usually by a {@link PriorFamily}
 * from θ), immutable, used as a {@link LogPrior} and by the closed-form KL of the variational
 * strategies. The mean and the log-variances may be variables (meta-parameters), or carry the
 * leading task axis; φ always carries it. A minimal member of the priors module's family, kept
 * here so the inference layer needs only this.
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

  /** log p(φ): φ's tensors carry a leading axis L (the mean's shape with one more axis, or equal to it). */
  @Override
  public Tensor logDensity(Params phi) {
    mean.requireSameNames(phi);
    List<Tensor> terms = new ArrayList<>();
    for (String name : mean.names()) {
      Tensor p = phi.get(name);
      Tensor m = mean.get(name);
      if (p.rank() != m.rank() + 1 && !(p.rank() == m.rank() && p.size(0) == m.size(0))) {
        throw new IllegalArgumentException("GaussianPrior.logDensity: '" + name + "' has shape "
            + Arrays.toString(p.shape()) + " but the prior mean has " + Arrays.toString(m.shape())
            + " (φ needs one leading axis more, or the same task axis)");
      }
      Tensor nll = Ops.gaussianNll(p, m, logVariance.get(name));
      terms.add(sumAllButFirst(nll));
    }
    Tensor total = terms.get(0);
    for (int i = 1; i < terms.size(); i++) {
      total = Ops.add(total, terms.get(i));
    }
    return Ops.neg(total);
  }

  static Tensor sumAllButFirst(Tensor x) {
    if (x.rank() == 1) {
      return x;
    }
    int[] axes = new int[x.rank() - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return Ops.sum(x, false, axes);
  }

  @Override
  public String toString() {
    return "GaussianPrior" + mean;
  }
}
