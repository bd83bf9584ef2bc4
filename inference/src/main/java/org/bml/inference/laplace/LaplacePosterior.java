package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.ParamLayout;
import org.bml.inference.TaskPosterior;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The Laplace approximation q(φ | D, θ) = N(φ̂, H⁻¹) per task (MacKay 1992; in meta-learning,
 * LLAMA, Grant et al. 2018), with the Laplace estimate of the log marginal likelihood
 *
 * <pre>  log p(D | θ) ≈ log p(D | φ̂) + log p(φ̂ | θ) + (P/2) log 2π − ½ log det H,</pre>
 *
 * exact when the log joint is quadratic in φ (linear-Gaussian tasks with the exact Hessian).
 *
 * <p>Lifecycle: made by {@link Laplace}; immutable (the tape log-determinant is built once, on first
 * use, and so is the double precision when {@link Laplace#fit} deferred it: only sampling, the dense
 * matrices and {@link #logDetPrecision()} need it; the damping reports do not). The mode, the log-joint terms and {@link #logDet()} are tensors that keep their graph to θ
 * (through the mode finder, the curvature at the mode and the prior); the factored precision H used
 * for sampling and inspection, and the sampling noise, are double-precision constants.
 */
public final class LaplacePosterior implements TaskPosterior {
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private final Params mode;
  private final ParamLayout layout;
  private final Tensor logLikelihood;
  private final Tensor logPrior;
  private final Laplace.Memo<Precision[]> precisions;
  private final double[] dampingApplied;
  private final Curvature curvature;
  private final Damping damping;
  private final Supplier<Tensor> logDetSupplier;
  private Tensor logDet;

  /**
   * @param precisions the double-precision precisions, computed on first use or already built
   * @param dampingApplied δ added to each task's precision, known without building them
   */
  LaplacePosterior(Params mode, ParamLayout layout, Tensor logLikelihood, Tensor logPrior,
      Laplace.Memo<Precision[]> precisions, double[] dampingApplied, Curvature curvature, Damping damping,
      Supplier<Tensor> logDet) {
    this.logDetSupplier = logDet;
    this.mode = mode;
    this.layout = layout;
    this.logLikelihood = logLikelihood;
    this.logPrior = logPrior;
    this.precisions = precisions;
    this.dampingApplied = dampingApplied.clone();
    this.curvature = curvature;
    this.damping = damping;
  }

  /** φ̂ per task. */
  @Override
  public Params mode() {
    return mode;
  }

  /**
   * φ̂ + z per task with z ~ N(0, H⁻¹) drawn in double from the seed (task by task, in order), a
   * constant: the sample is differentiable with respect to θ through φ̂.
   */
  @Override
  public Params sample(long seed) {
    Precision[] h = precisions.get();
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] z = new double[h.length][];
    for (int t = 0; t < h.length; t++) {
      z[t] = h[t].sample(rng);
    }
    DataType dtype = mode.tensors().get(0).dtype();
    Params noise = layout.unflatten(Tensor.constant(ParamLayout.matrix(z, dtype)));
    List<Tensor> out = new ArrayList<>();
    for (String n : layout.names()) {
      out.add(Ops.add(mode.get(n), Tensor.constant(noise.get(n).value().dup('c'))));
    }
    return Params.of(layout.names(), out);
  }

  @Override
  public boolean isPointMass() {
    return false;
  }

  public int tasks() {
    return dampingApplied.length;
  }

  /** P, the number of parameters per task. */
  public int dimension() {
    return layout.size();
  }

  public ParamLayout layout() {
    return layout;
  }

  public Curvature curvature() {
    return curvature;
  }

  /** log p(D | φ̂) per task, {@code [T]} (differentiable). */
  public Tensor logLikelihood() {
    requireTapeTerms();
    return logLikelihood;
  }

  /** log p(φ̂ | θ) per task, {@code [T]} (differentiable). */
  public Tensor logPrior() {
    requireTapeTerms();
    return logPrior;
  }

  /**
   * log det H per task (of the damped precision), {@code [T]}, as a tensor: differentiable with
   * respect to θ through φ̂ (and the prior's tensors) when the mode was, built on first use (the
   * curvature's reverse passes recorded on the tape) and then kept; a constant otherwise. Its value
   * equals {@link #logDetPrecision()} up to rounding.
   */
  public synchronized Tensor logDet() {
    if (logDet == null) {
      logDet = logDetSupplier.get();
    }
    return logDet;
  }

  /** log det H per task (of the damped precision), in double (builds the double precision if not yet built). */
  public double[] logDetPrecision() {
    Precision[] h = precisions.get();
    double[] out = new double[h.length];
    for (int t = 0; t < out.length; t++) {
      out[t] = h[t].logDet();
    }
    return out;
  }

  /**
   * The Laplace log marginal likelihood per task, {@code [T]}: log p(D | φ̂) + log p(φ̂ | θ) +
   * (P/2) log 2π − ½ log det H. Gradients reach θ through all terms.
   */
  public Tensor logMarginalLikelihood() {
    return Ops.neg(objective(1.0));
  }

  /**
   * −log p(D | φ̂) − log p(φ̂ | θ) + w (½ log det H − (P/2) log 2π) per task, {@code [T]}: the negative
   * Laplace evidence at w = 1, the MAP objective (negative log joint) at w = 0. Differentiable with
   * respect to θ in all three terms (see {@link #logDet()}); at w = 0 the curvature is not rebuilt.
   *
   * @param logDetWeight w, finite
   */
  public Tensor objective(double logDetWeight) {
    if (!Double.isFinite(logDetWeight)) {
      throw new IllegalArgumentException("LaplacePosterior.objective: log-det weight must be finite, got " + logDetWeight);
    }
    requireTapeTerms();
    Tensor negJoint = Ops.neg(Ops.add(logLikelihood, logPrior));
    if (logDetWeight == 0) {
      return negJoint;
    }
    Tensor half = Ops.addScalar(Ops.mulScalar(logDet(), 0.5), -0.5 * layout.size() * LOG_2PI);
    return Ops.add(negJoint, Ops.mulScalar(half, logDetWeight));
  }

  /** H (after damping) of one task, P × P in layout order (materialised: P² doubles). */
  public double[][] precision(int task) {
    int k = check(task);
    return precisions.get()[k].precisionMatrix();
  }

  /** H⁻¹ of one task, P × P in layout order (materialised: P² doubles). */
  public double[][] covariance(int task) {
    int k = check(task);
    return precisions.get()[k].covarianceMatrix();
  }

  /** Whether damping was added to this task's precision. */
  public boolean damped(int task) {
    return dampingApplied[check(task)] > 0;
  }

  /** Whether any task was damped. */
  public boolean anyDamped() {
    for (double d : dampingApplied) {
      if (d > 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether the double-precision precision has been built (for tests of the deferral). */
  boolean precisionBuilt() {
    return precisions.isDone();
  }

  /**
   * The isotropic prior precision per task that maximises the Laplace evidence of the support set
   * (MacKay 1992, type-II maximum likelihood): the root of λ ‖φ̂ − θ‖² = γ(λ), with
   * γ(λ) = Σ_i h_i / (h_i + λ) the effective number of parameters, h_i the eigenvalues of the
   * curvature without prior and damping. Directions the data do not curve (h_i = 0) contribute
   * nothing to either side, so λ is set by the displacement from θ along the curved ones. Solved by
   * bisection on log λ in [1e-8, 1e12] (the left side increases in λ, γ decreases); ∞ when φ̂ = θ
   * (no steps), 1e-8 when no direction is curved.
   *
   * @param theta the prior mean θ (no task axis; the mode's names)
   * @param current the isotropic prior precision this posterior's H includes (0 for none)
   */
  public double[] evidencePriorPrecision(Params theta, double current) {
    Precision[] h = precisions.get();
    double[] out = new double[h.length];
    double[] displacement = displacementSquared(theta);
    for (int t = 0; t < h.length; t++) {
      double d2 = displacement[t];
      double base = current + dampingApplied[t];
      if (d2 == 0) {
        out[t] = Double.POSITIVE_INFINITY;
        continue;
      }
      double lo = Math.log(1e-8);
      double hi = Math.log(1e12);
      if (Math.exp(lo) * d2 >= h[t].effectiveParameters(base, Math.exp(lo))) {
        out[t] = Math.exp(lo);
        continue;
      }
      for (int it = 0; it < 80; it++) {
        double mid = 0.5 * (lo + hi);
        double lambda = Math.exp(mid);
        if (lambda * d2 < h[t].effectiveParameters(base, lambda)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      out[t] = Math.exp(0.5 * (lo + hi));
    }
    return out;
  }

  /** ‖φ̂_t − θ‖² per task, in double: how far the mode finder moved each task from θ. */
  public double[] displacementSquared(Params theta) {
    double[] out = new double[tasks()];
    for (int t = 0; t < out.length; t++) {
      for (String n : layout.names()) {
        org.nd4j.linalg.api.ndarray.INDArray phi = mode.get(n).value().slice(t).castTo(DataType.DOUBLE);
        org.nd4j.linalg.api.ndarray.INDArray diff = phi.sub(theta.get(n).value().castTo(DataType.DOUBLE)
            .reshape(phi.shape()));
        out[t] += diff.mul(diff).sumNumber().doubleValue();
      }
    }
    return out;
  }

  /** γ(λ) = Σ_i h_i / (h_i + λ) of one task (see {@link #evidencePriorPrecision}). */
  public double effectiveParameters(int task, double current, double lambda) {
    int k = check(task);
    return precisions.get()[k].effectiveParameters(current + dampingApplied[k], lambda);
  }

  /**
   * The same Gaussian with the isotropic prior precision {@code current} in H replaced by
   * {@code lambda[t]} per task, in double precision, for sampling and inspection: {@link #mode()},
   * {@link #sample}, the matrices and {@link #logDetPrecision()}; its tape terms ({@link #objective},
   * {@link #logDet()}, the log-joint) are refused, since the log prior was taken under the old λ.
   */
  public LaplacePosterior withPriorPrecision(double current, double[] lambda) {
    Precision[] h = precisions.get();
    if (lambda.length != h.length) {
      throw new IllegalArgumentException("LaplacePosterior.withPriorPrecision: " + lambda.length + " precisions for "
          + h.length + " tasks");
    }
    Precision[] moved = new Precision[h.length];
    for (int t = 0; t < h.length; t++) {
      if (!(lambda[t] >= 0)) {
        throw new IllegalArgumentException("LaplacePosterior.withPriorPrecision: λ must be >= 0, got " + lambda[t]
            + " for task " + t);
      }
      moved[t] = h[t].shifted(lambda[t] - current);
    }
    LaplacePosterior p = new LaplacePosterior(mode, layout, null, null, Laplace.Memo.of(moved), dampingApplied,
        curvature, damping, () -> {
          throw new IllegalStateException("LaplacePosterior: a posterior with a replaced prior precision is for "
              + "sampling only; its log-determinant on the tape is not defined");
        });
    return p;
  }

  /** The damping policy this posterior was made with. */
  public Damping damping() {
    return damping;
  }

  private void requireTapeTerms() {
    if (logLikelihood == null) {
      throw new IllegalStateException("LaplacePosterior: a posterior with a replaced prior precision is for sampling "
          + "only; its log-joint terms were taken under the old prior");
    }
  }

  private int check(int task) {
    if (task < 0 || task >= dampingApplied.length) {
      throw new IllegalArgumentException("LaplacePosterior: task " + task + " out of range [0, " + dampingApplied.length
          + ")");
    }
    return task;
  }
}
