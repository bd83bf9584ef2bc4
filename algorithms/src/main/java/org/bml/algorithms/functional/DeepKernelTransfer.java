package org.bml.algorithms.functional;

import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.GaussianOutputs;
import org.bml.core.autodiff.Cholesky;
import org.bml.core.autodiff.LogDet;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.autodiff.TriangularSolve;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Deep kernel transfer (DKT; Patacchiola, Turner, Crowley, O'Boyle &amp; Storkey, "Bayesian
 * Meta-Learning for the Few-Shot Setting via Deep Kernels", NeurIPS 2020) for regression: a
 * Gaussian process with zero mean and a deep kernel k(x, x') = κ(φ(x), φ(x')) over a feature
 * network φ shared by all tasks, and Gaussian noise σ². The meta-parameters (φ's weights and the
 * kernel's log hyperparameters) are meta-learned by the GP's log marginal likelihood of each
 * training task's points (support ∪ query: DKT does not split training tasks), the paper's
 * Algorithm 1:
 * <pre>
 *   −log p(y | X) / n = [½ yᵀ K⁻¹ y + Σ log L_ii + (n/2) log 2π] / n,   K = k(X, X) + σ² I = L Lᵀ
 * </pre>
 * with L from {@link Cholesky#factor} and K⁻¹ y from {@link TriangularSolve}, all on the tape.
 * At test time the posterior is exact: the GP conditioned on the support set, whose predictive at
 * x is N(k_*ᵀ K⁻¹ y, k(x, x) − k_*ᵀ K⁻¹ k_* + σ²) per point ({@link GaussianOutputs}); adaptation
 * is this closed form, so the number of steps is ignored. Kernels κ: {@link Kernel#RBF}
 * s² exp(−‖u − v‖² / 2ℓ²) (the paper's choice for its regression experiments beside the spectral
 * kernel) and {@link Kernel#LINEAR} s² uᵀv (Bayesian linear regression on the features).
 */
public final class DeepKernelTransfer implements MetaLearner, GaussianOutputs {
  /** The kernel on features. */
  public enum Kernel { RBF, LINEAR }

  static final String FEATURES = "features.";
  /** log s² of the kernel. */
  public static final String LOG_OUTPUTSCALE = "gp.log_outputscale";
  /** log ℓ of the RBF kernel. */
  public static final String LOG_LENGTHSCALE = "gp.log_lengthscale";
  /** log σ² of the observation noise. */
  public static final String LOG_NOISE = "gp.log_noise";
  static final String SUPPORT_X = "gp.support_x";
  static final String SUPPORT_Y = "gp.support_y";
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final Kernel kernel;
  private final DeepKernel gp;

  /**
   * @param features φ, any pure model mapping {@code [T, n, d]} to {@code [T, n, p]}
   * @param noiseVariance initial σ² > 0
   * @param outputscale initial s² > 0
   * @param lengthscale initial ℓ > 0 (RBF)
   */
  public DeepKernelTransfer(Model features, Kernel kernel, double noiseVariance, double outputscale,
      double lengthscale) {
    if (features == null || kernel == null) {
      throw new IllegalArgumentException("DeepKernelTransfer: feature model and kernel must be given");
    }
    this.kernel = kernel;
    this.gp = new DeepKernel("DeepKernelTransfer", features,
        kernel == Kernel.LINEAR ? DeepKernel.Kind.LINEAR : DeepKernel.Kind.RBF, noiseVariance, outputscale, lengthscale);
  }

  public Kernel kernel() {
    return kernel;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return gp.initialize(seed, dtype);
  }

  private Tensor phi(Params meta, Tensor x) {
    return gp.features(meta, x);
  }

  private Tensor kernel(Params meta, Tensor u, Tensor v) {
    return gp.kernel(meta, u, v);
  }

  /** κ(u, u) per point {@code [T, m, 1]}. */
  private Tensor kernelDiagonal(Params meta, Tensor u) {
    Tensor s2 = gp.outputscale(meta);
    if (kernel == Kernel.LINEAR) {
      return Ops.mul(Ops.sum(Ops.square(u), true, 2), s2);
    }
    return Ops.broadcastTo(Ops.reshape(s2, 1, 1, 1), u.size(0), u.size(1), 1);
  }

  private Tensor noise(Params meta) {
    return gp.noise(meta);
  }

  /** Cholesky factor of k(X, X) + σ² I, {@code [T, n, n]}. */
  private Tensor gramFactor(Params meta, Tensor f) {
    return gp.gramFactor(meta, f);
  }

  private static void checkData(String where, Data d) {
    if (d == null) {
      throw new IllegalArgumentException("DeepKernelTransfer." + where + ": data must be given");
    }
    if (d.y().rank() != 3 || d.y().size(2) != 1 || d.x().rank() < 3) {
      throw new IllegalArgumentException("DeepKernelTransfer." + where + ": needs regression data, x [T, n, d] and "
          + "y [T, n, 1], got x " + java.util.Arrays.toString(d.x().shape()) + ", y "
          + java.util.Arrays.toString(d.y().shape()));
    }
  }

  /** Per-task negative log marginal likelihood per point, {@code [T]}. */
  public Tensor perTaskNegativeLogMarginal(Params meta, Data data) {
    checkData("perTaskNegativeLogMarginal", data);
    Tensor l = gramFactor(meta, phi(meta, data.x()));
    Tensor alpha = TriangularSolve.lower(l, data.y(), false);
    long n = data.points();
    Tensor quad = Ops.mulScalar(Ops.sum(Ops.square(alpha), false, 1, 2), 0.5);
    Tensor nll = Ops.addScalar(Ops.add(quad, Ops.mulScalar(LogDet.fromCholesky(l), 0.5)), 0.5 * n * LOG_2PI);
    return Ops.mulScalar(nll, 1.0 / n);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    checkData("metaLoss", support);
    checkData("metaLoss", query);
    Data all = new Data(Ops.concat(1, List.of(support.x(), query.x())), Ops.concat(1, List.of(support.y(), query.y())));
    return Ops.mean(perTaskNegativeLogMarginal(meta, all), false);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("DeepKernelTransfer: adaptation steps must be >= 0, got " + steps);
    }
    checkData("adapt", support);
    return meta.with(SUPPORT_X, support.x()).with(SUPPORT_Y, support.y());
  }

  /** Posterior mean and variance of y at x, {@code [T, m, 1]} each. */
  private Tensor[] posterior(Params adapted, Tensor x) {
    if (!adapted.has(SUPPORT_X)) {
      throw new IllegalArgumentException("DeepKernelTransfer: parameters hold no support set; pass the result of "
          + "adapt");
    }
    Tensor sx = adapted.get(SUPPORT_X);
    if (x.rank() != sx.rank() || x.size(0) != sx.size(0)) {
      throw new IllegalArgumentException("DeepKernelTransfer: inputs " + java.util.Arrays.toString(x.shape())
          + " do not match the support inputs " + java.util.Arrays.toString(sx.shape()));
    }
    Tensor fs = phi(adapted, sx);
    Tensor fx = phi(adapted, x);
    Tensor l = gramFactor(adapted, fs);
    Tensor a = TriangularSolve.lower(l, kernel(adapted, fs, fx), false); // L⁻¹ K_s* [T, n, m]
    Tensor alpha = TriangularSolve.lower(l, adapted.get(SUPPORT_Y), false); // L⁻¹ y [T, n, 1]
    Tensor mean = Ops.matmul(a, alpha, true, false);
    Tensor explained = Ops.transpose(Ops.sum(Ops.square(a), true, 1), 1, 2); // [T, m, 1]
    Tensor var = Ops.add(Ops.sub(kernelDiagonal(adapted, fx), explained), noise(adapted));
    return new Tensor[] {mean, var};
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return posterior(adapted, x)[0];
  }

  @Override
  public Tensor outputVariance(Params hypothesis, Tensor x) {
    return posterior(hypothesis, x)[1];
  }

  /** Per-task mean squared error of the posterior mean. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    checkData("perTaskLoss", data);
    return Ops.mean(Ops.square(Ops.sub(predict(adapted, data.x()), data.y())), false, 1, 2);
  }
}
