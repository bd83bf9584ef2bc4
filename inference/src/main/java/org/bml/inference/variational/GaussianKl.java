package org.bml.inference.variational;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.inference.GaussianPrior;

/**
 * Closed-form KL divergences between Gaussians with diagonal covariances, as differentiable op
 * compositions (gradients reach both sides' means and log-variances):
 *
 * <pre>  KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = ½ [log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1]</pre>
 *
 * per element, summed over elements. The ratio σ_q²/σ_p² is one exp of a difference, so neither
 * variance alone can overflow.
 */
public final class GaussianKl {
  private GaussianKl() {}

  /** The element-wise KL, broadcasting the four tensors against each other. */
  public static Tensor elementwise(Tensor meanQ, Tensor logVarQ, Tensor meanP, Tensor logVarP) {
    Tensor ratio = Ops.exp(Ops.sub(logVarQ, logVarP));
    Tensor shift = Ops.mul(Ops.square(Ops.sub(meanQ, meanP)), Ops.exp(Ops.neg(logVarP)));
    return Ops.mulScalar(Ops.addScalar(Ops.add(Ops.sub(logVarP, logVarQ), Ops.add(ratio, shift)), -1.0), 0.5);
  }

  /**
   * KL(q ‖ p) per task, {@code [T]}: q's means carry the task axis, the prior's tensors either do
   * too or are shared by all tasks.
   *
   * @throws IllegalArgumentException if q and p are over different parameters
   */
  public static Tensor divergence(DiagonalGaussianPosterior q, GaussianPrior p) {
    try {
      q.mean().requireSameNames(p.mean());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GaussianKl: posterior and prior are over different parameters: "
          + e.getMessage(), e);
    }
    List<Tensor> terms = new ArrayList<>();
    for (String name : q.mean().names()) {
      Tensor kl = elementwise(q.mean().get(name), Ops.mulScalar(q.logStd(name), 2.0), p.mean().get(name),
          p.logVariance().get(name));
      terms.add(sumAllButFirst(kl, q.mean().get(name).rank()));
    }
    Tensor total = terms.get(0);
    for (int i = 1; i < terms.size(); i++) {
      total = Ops.add(total, terms.get(i));
    }
    return total;
  }

  static Tensor sumAllButFirst(Tensor x, int rank) {
    if (x.rank() != rank) {
      throw new IllegalArgumentException("GaussianKl: a term of shape " + java.util.Arrays.toString(x.shape())
          + " does not have the posterior's rank " + rank + " (the prior has more axes than the posterior)");
    }
    if (rank == 1) {
      return x;
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return Ops.sum(x, false, axes);
  }
}
