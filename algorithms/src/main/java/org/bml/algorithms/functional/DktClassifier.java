package org.bml.algorithms.functional;

import java.util.Arrays;
import java.util.List;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.MetaLearner;
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
 * Deep kernel transfer for few-shot classification (Patacchiola, Turner, Crowley, O'Boyle &amp;
 * Storkey, "Bayesian Meta-Learning for the Few-Shot Setting via Deep Kernels", NeurIPS 2020, §3
 * "classification"): C Gaussian processes, one per class, each a regression of the one-vs-rest
 * targets t_c = +1 for the examples of class c and −1 for the others, all sharing one deep kernel
 * k(x, x') = κ(φ(x), φ(x')) on a feature network φ (Conv-4 in the CLI) and one noise σ².
 *
 * <p>Meta-objective (the paper's Algorithm 1 and the authors' {@code DKT.train_loop}, which set the
 * GPs' training data to the whole episode, support ∪ query): the sum over classes of the exact
 * negative log marginal likelihoods per point, averaged over the tasks of the meta-batch,
 * <pre>
 *   Σ_c [½ t_cᵀ K⁻¹ t_c + ½ log det K + (n/2) log 2π] / n,   K = k(X, X) + σ² I = L Lᵀ.
 * </pre>
 * As the kernel and the noise are shared, K (and its Cholesky factor, on the tape) is the same for
 * every class: φ runs once per episode and one triangular solve takes the C targets as columns, so
 * the cost of the C GPs is that of one. The authors' code ({@code methods/gpshot.py}) keeps C
 * kernels with their own hyperparameters, a learned constant mean and a noise fixed at 0.1; here
 * the hyperparameters are tied (the episode's class order is random, so per-class values have
 * nothing to attach to), the mean is zero and σ² is learned from its initial value.
 *
 * <p>Prediction: the GP posterior mean of each class at a query point, μ_c(x) = k_*ᵀ K_s⁻¹ t_c
 * (conditioned on the support set); the paper classifies by argmax_c μ_c. The class probabilities
 * given to the {@code predictive} interface are softmax(μ(x) / τ) with a fixed temperature τ
 * ({@link #predict} returns μ / τ as logits; τ = 1 by default, and {@code --temperature-scale}
 * can fit one). This is the authors' calibration protocol ({@code test_uncertainty.py}: the
 * posterior means as logits, softmax with a temperature fitted by NLL, ECE over 15 bins). Feature maps of the support and the query set are computed in one call, as in
 * training, so Conv-4's transductive batch norm sees the episode it saw in training.
 *
 * <p>Kernels κ: {@link Kernel#LINEAR} s² uᵀv, {@link Kernel#RBF} s² exp(−‖u − v‖²/2ℓ²) and
 * {@link Kernel#COSINE} s² uᵀv / (‖u‖ ‖v‖) (the authors' "cossim": the linear kernel on
 * L2-normalised features; their "BNCosSim" also batch-normalises the features first, not done here).
 */
public final class DktClassifier implements MetaLearner {
  /** The kernel on features. */
  public enum Kernel { LINEAR, RBF, COSINE }

  static final String SUPPORT_X = "gp.support_x";
  static final String SUPPORT_Y = "gp.support_y";
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final Kernel kernel;
  private final DeepKernel gp;
  private final double temperature;

  /**
   * @param features φ, a pure model mapping {@code [T, n, ...]} to {@code [T, n, p]}
   * @param noiseVariance initial σ² > 0 (learned)
   * @param outputscale initial s² > 0 (learned)
   * @param lengthscale initial ℓ > 0 (RBF; learned)
   * @param temperature τ > 0 dividing the posterior means in the softmax (not learned)
   */
  public DktClassifier(Model features, Kernel kernel, double noiseVariance, double outputscale, double lengthscale,
      double temperature) {
    this.kernel = Hyper.nonNull("DktClassifier", "kernel", kernel);
    this.gp = new DeepKernel("DktClassifier", features, DeepKernel.Kind.valueOf(kernel.name()), noiseVariance,
        outputscale, lengthscale);
    this.temperature = Hyper.positive("DktClassifier", "temperature", temperature);
  }

  public Kernel kernel() {
    return kernel;
  }

  public double temperature() {
    return temperature;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return gp.initialize(seed, dtype);
  }

  /** φ(x) {@code [T, n, p]}: one forward pass of the feature network. */
  public Tensor features(Params meta, Tensor x) {
    return gp.features(meta, x);
  }

  /** κ(U, V) {@code [T, n, m]} for features U {@code [T, n, p]}, V {@code [T, m, p]}. */
  Tensor kernel(Params meta, Tensor u, Tensor v) {
    return gp.kernel(meta, u, v);
  }

  private Tensor gramFactor(Params meta, Tensor z) {
    return gp.gramFactor(meta, z);
  }

  /** One-vs-rest regression targets 2y − 1 ∈ {−1, +1} of one-hot labels. */
  static Tensor targets(Tensor oneHot) {
    return Ops.addScalar(Ops.mulScalar(oneHot, 2.0), -1.0);
  }

  /** Checks one-hot labels {@code y [T, n, C]}, C ≥ 2, with inputs {@code [T, n, ...]}; returns C. */
  private static long checkData(String where, Data d) {
    if (d == null) {
      throw new IllegalArgumentException("DktClassifier." + where + ": data must be given");
    }
    Tensor x = d.x();
    Tensor y = d.y();
    if (y.rank() != 3 || x.rank() < 3 || x.size(0) != y.size(0) || x.size(1) != y.size(1)) {
      throw new IllegalArgumentException("DktClassifier." + where + ": needs classification data, x [T, n, ...] and "
          + "one-hot y [T, n, classes], got x " + Arrays.toString(x.shape()) + ", y " + Arrays.toString(y.shape()));
    }
    if (y.size(2) < 2) {
      throw new IllegalArgumentException("DktClassifier." + where + ": needs at least 2 classes (one-hot y [T, n, C] "
          + "with C >= 2), got y " + Arrays.toString(y.shape()));
    }
    double[] v = y.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
    int c = Math.toIntExact(y.size(2));
    for (int p = 0; p < v.length; p += c) {
      double s = 0;
      for (int j = 0; j < c; j++) {
        if (v[p + j] != 0 && v[p + j] != 1) {
          s = -1;
          break;
        }
        s += v[p + j];
      }
      if (s != 1) {
        throw new IllegalArgumentException("DktClassifier." + where + ": labels must be one-hot (one 1 per row), "
            + "row " + (p / c) + " is " + Arrays.toString(Arrays.copyOfRange(v, p, p + c)));
      }
    }
    return c;
  }

  private static void sameClasses(long a, long b, Tensor sx, Tensor qx) {
    if (a != b) {
      throw new IllegalArgumentException("DktClassifier: support and query have different numbers of classes, "
          + a + " and " + b);
    }
    if (sx.rank() != qx.rank() || sx.size(0) != qx.size(0)
        || !Arrays.equals(Arrays.copyOfRange(sx.shape(), 2, sx.rank()), Arrays.copyOfRange(qx.shape(), 2, qx.rank()))) {
      throw new IllegalArgumentException("DktClassifier: query inputs " + Arrays.toString(qx.shape())
          + " do not match the support inputs " + Arrays.toString(sx.shape()) + " (same tasks and example shape)");
    }
  }

  /**
   * Per-task sum over the C classes' GPs of the negative log marginal likelihood per point,
   * {@code [T]}, on all points of {@code data}.
   */
  public Tensor perTaskNegativeLogMarginal(Params meta, Data data) {
    long c = checkData("perTaskNegativeLogMarginal", data);
    return negativeLogMarginal(meta, features(meta, data.x()), data.y(), c);
  }

  private Tensor negativeLogMarginal(Params meta, Tensor z, Tensor oneHot, long c) {
    long n = z.size(1);
    Tensor l = gramFactor(meta, z);
    Tensor alpha = TriangularSolve.lower(l, targets(oneHot), false); // L⁻¹ T, [T, n, C]: all classes at once
    Tensor quad = Ops.mulScalar(Ops.sum(Ops.square(alpha), false, 1, 2), 0.5);
    Tensor nll = Ops.addScalar(Ops.add(quad, Ops.mulScalar(LogDet.fromCholesky(l), 0.5 * c)), 0.5 * c * n * LOG_2PI);
    return Ops.mulScalar(nll, 1.0 / n);
  }

  /** The episode's (support ∪ query) summed per-class marginal likelihood loss, mean over tasks. */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    long cs = checkData("metaLoss", support);
    long cq = checkData("metaLoss", query);
    sameClasses(cs, cq, support.x(), query.x());
    Tensor z = features(meta, Ops.concat(1, List.of(support.x(), query.x()))); // φ once per episode
    return Ops.mean(negativeLogMarginal(meta, z, Ops.concat(1, List.of(support.y(), query.y())), cs), false);
  }

  /** The support set held for the closed-form posterior; the number of steps is ignored. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("DktClassifier", "adaptation steps", steps, 0);
    checkData("adapt", support);
    return meta.with(SUPPORT_X, support.x()).with(SUPPORT_Y, support.y());
  }

  /** Logits μ(x) / τ {@code [T, m, C]}: the softmax of the per-class posterior means. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    if (!adapted.has(SUPPORT_X)) {
      throw new IllegalArgumentException("DktClassifier: parameters hold no support set; pass the result of adapt");
    }
    Tensor sx = adapted.get(SUPPORT_X);
    sameClasses(0, 0, sx, x);
    long ns = sx.size(1);
    Tensor z = features(adapted, Ops.concat(1, List.of(sx, x)));
    Tensor zs = Ops.slice(z, 1, 0, ns);
    Tensor zq = Ops.slice(z, 1, ns, z.size(1));
    Tensor l = gramFactor(adapted, zs);
    Tensor a = TriangularSolve.lower(l, kernel(adapted, zs, zq), false);
    Tensor alpha = TriangularSolve.lower(l, targets(adapted.get(SUPPORT_Y)), false);
    return Ops.mulScalar(Ops.matmul(a, alpha, true, false), 1.0 / temperature);
  }

  /** Mean softmax cross-entropy per task {@code [T]} of the logits μ / τ. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    checkData("perTaskLoss", data);
    return Ops.mean(Ops.softmaxCrossEntropy(predict(adapted, data.x()), data.y(), -1), false, 1);
  }
}
