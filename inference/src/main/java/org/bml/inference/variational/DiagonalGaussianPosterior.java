package org.bml.inference.variational;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.GaussianPrior;
import org.bml.inference.TaskPosterior;
import org.bml.priors.FactorisedGaussian;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * q(φ) = N(μ, diag σ²) per task, σ = exp(log σ): the variational posterior of PLATIPUS (Finn, Xu &
 * Levine 2018) and ABML (Ravi & Beatson 2019).
 *
 * <p>Lifecycle: made by {@link AmortizedGaussian#infer} (or directly), immutable. μ carries the
 * leading task axis; log σ has either the per-task shape of μ or its shape without the task axis
 * (shared by all tasks, the usual meta-learned case). Samples are reparameterised, μ + σ ⊙ ε with
 * ε ~ N(0, I) a seeded constant, so they are differentiable with respect to μ (hence θ) and log σ.
 *
 * <p>Optionally some parameters are <em>fixed</em>: held at given per-task values (e.g. θ's feature
 * extractor when only a head is inferred, as in VERSA, Gordon et al. 2019, see
 * {@link InferenceNetwork}). They are part of {@link #mode()} and of every {@link #sample}, so a
 * model can be evaluated at a draw, but not of the Gaussian: {@link #mean()}, {@link #logStd()},
 * {@link #entropy()}, {@link #logDensity} and the KL are over the Gaussian parameters only (q is a
 * point mass on the fixed ones, whose KL to a prior is not finite and is not part of the ELBO).
 */
public final class DiagonalGaussianPosterior implements TaskPosterior {
  private static final double HALF_LOG_2PI_E = 0.5 * (Math.log(2 * Math.PI) + 1);
  private final Params mean;
  private final Params logStd;
  private final Params fixed;

  /**
   * @param mean μ, each tensor {@code [T, ...]}
   * @param logStd log σ, same names, each {@code [...]} (shared) or {@code [T, ...]} (per task); finite
   * @throws IllegalArgumentException on mismatched names, shapes or dtypes, or non-finite log σ
   */
  public DiagonalGaussianPosterior(Params mean, Params logStd) {
    this(mean, logStd, null);
  }

  /**
   * @param mean μ, each tensor {@code [T, ...]}
   * @param logStd log σ, same names, each {@code [...]} (shared) or {@code [T, ...]} (per task); finite
   * @param fixed parameters held at these values in the mode and every sample, each {@code [T, ...]},
   *     names disjoint from μ's; null for none
   * @throws IllegalArgumentException on mismatched names, shapes or dtypes, non-finite log σ, or
   *     fixed parameters that overlap μ's or lack its task axis
   */
  public DiagonalGaussianPosterior(Params mean, Params logStd, Params fixed) {
    if (mean == null || logStd == null) {
      throw new IllegalArgumentException("DiagonalGaussianPosterior: mean and log-std must be given");
    }
    try {
      mean.requireSameNames(logStd);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DiagonalGaussianPosterior: mean and log-std name different parameters: "
          + e.getMessage(), e);
    }
    long tasks = -1;
    for (Map.Entry<String, Tensor> e : mean.entries()) {
      Tensor m = e.getValue();
      Tensor s = logStd.get(e.getKey());
      if (m.rank() < 1 || (tasks >= 0 && m.size(0) != tasks)) {
        throw new IllegalArgumentException("DiagonalGaussianPosterior: mean '" + e.getKey() + "' has shape "
            + Arrays.toString(m.shape()) + "; every mean needs the same leading task axis");
      }
      tasks = m.size(0);
      long[] declared = Arrays.copyOfRange(m.shape(), 1, m.rank());
      if (!Arrays.equals(s.shape(), m.shape()) && !Arrays.equals(s.shape(), declared)) {
        throw new IllegalArgumentException("DiagonalGaussianPosterior: log-std '" + e.getKey() + "' has shape "
            + Arrays.toString(s.shape()) + " but the mean has " + Arrays.toString(m.shape())
            + " (log-std must be " + Arrays.toString(declared) + " or the mean's shape)");
      }
      if (s.dtype() != m.dtype()) {
        throw new IllegalArgumentException("DiagonalGaussianPosterior: '" + e.getKey() + "' mean dtype " + m.dtype()
            + " but log-std dtype " + s.dtype());
      }
      double lo = s.value().minNumber().doubleValue();
      double hi = s.value().maxNumber().doubleValue();
      if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
        throw new IllegalArgumentException("DiagonalGaussianPosterior: log-std '" + e.getKey()
            + "' is not finite (standard deviations must be positive and finite)");
      }
    }
    if (fixed != null) {
      for (Map.Entry<String, Tensor> e : fixed.entries()) {
        Tensor f = e.getValue();
        if (mean.has(e.getKey())) {
          throw new IllegalArgumentException("DiagonalGaussianPosterior: '" + e.getKey()
              + "' is both a Gaussian and a fixed parameter");
        }
        if (f.rank() < 1 || f.size(0) != tasks) {
          throw new IllegalArgumentException("DiagonalGaussianPosterior: fixed '" + e.getKey() + "' has shape "
              + Arrays.toString(f.shape()) + "; it needs the mean's leading task axis of " + tasks);
        }
        if (f.dtype() != mean.tensors().get(0).dtype()) {
          throw new IllegalArgumentException("DiagonalGaussianPosterior: fixed '" + e.getKey() + "' has dtype "
              + f.dtype() + " but the mean " + mean.tensors().get(0).dtype());
        }
      }
    }
    this.mean = mean;
    this.logStd = logStd;
    this.fixed = fixed;
  }

  /** μ (leading task axis): the Gaussian parameters only. */
  public Params mean() {
    return mean;
  }

  /** The fixed parameters (leading task axis), if any. */
  public Optional<Params> fixed() {
    return Optional.ofNullable(fixed);
  }

  /** log σ as given (shared or per task). */
  public Params logStd() {
    return logStd;
  }

  /** log σ of one parameter. */
  public Tensor logStd(String name) {
    return logStd.get(name);
  }

  public long tasks() {
    return mean.tensors().get(0).size(0);
  }

  /** μ, with the fixed parameters (first) when there are any. */
  @Override
  public Params mode() {
    return withFixed(mean);
  }

  /** μ + σ ⊙ ε with ε = {@link #noise}(seed), with the fixed parameters (first) when there are any. */
  @Override
  public Params sample(long seed) {
    Params eps = noise(seed);
    return withFixed(mean.mapNamed((n, m) -> Ops.add(m, Ops.mul(Ops.exp(logStd.get(n)), eps.get(n)))));
  }

  private Params withFixed(Params gaussian) {
    return fixed == null ? gaussian : fixed.withAll(gaussian);
  }

  /** The standard-normal constants ε of a seed, μ's shapes (Gaussian parameters only), drawn in parameter order. */
  public Params noise(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (String n : mean.names()) {
      Tensor m = mean.get(n);
      double[] z = new double[Math.toIntExact(m.length())];
      for (int i = 0; i < z.length; i++) {
        z[i] = rng.nextGaussian();
      }
      out.put(n, Tensor.constant(Nd4j.create(z, m.shape(), DataType.DOUBLE).castTo(m.dtype())));
    }
    return Params.of(out);
  }

  @Override
  public boolean isPointMass() {
    return false;
  }

  /** Entropy per task, {@code [T]}: Σ (log σ + ½ log 2πe) over all elements. */
  public Tensor entropy() {
    List<Tensor> terms = new ArrayList<>();
    for (String n : mean.names()) {
      Tensor m = mean.get(n);
      Tensor s = Ops.broadcastTo(logStd.get(n), m.shape());
      terms.add(sumAllButFirst(Ops.addScalar(s, HALF_LOG_2PI_E)));
    }
    return sum(terms);
  }

  /**
   * log q(φ) per task, {@code [T]} (φ with the task axis), of the Gaussian parameters: φ names exactly
   * them, or (with fixed parameters) also the fixed ones, which are ignored.
   */
  public Tensor logDensity(Params phi) {
    if (fixed != null && phi.size() == mean.size() + fixed.size()) {
      phi.requireSameNames(withFixed(mean));
      phi = phi.subset(mean.names());
    }
    mean.requireSameStructure(phi);
    List<Tensor> terms = new ArrayList<>();
    for (String n : mean.names()) {
      Tensor nll = Ops.gaussianNll(phi.get(n), mean.get(n), Ops.mulScalar(logStd.get(n), 2.0));
      terms.add(sumAllButFirst(Ops.neg(nll)));
    }
    return sum(terms);
  }

  /** KL(q ‖ p) per task in closed form, {@code [T]}. */
  public Tensor klTo(GaussianPrior p) {
    return GaussianKl.divergence(this, p);
  }

  /** KL(q ‖ p) per task in closed form, {@code [T]}, for a factorised Gaussian of the priors module. */
  public Tensor klTo(FactorisedGaussian p) {
    return GaussianKl.divergence(this, p);
  }

  private static Tensor sumAllButFirst(Tensor x) {
    if (x.rank() == 1) {
      return x;
    }
    int[] axes = new int[x.rank() - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return Ops.sum(x, false, axes);
  }

  private static Tensor sum(List<Tensor> terms) {
    Tensor total = terms.get(0);
    for (int i = 1; i < terms.size(); i++) {
      total = Ops.add(total, terms.get(i));
    }
    return total;
  }
}
