package org.bml.priors;

import org.bml.core.model.Params;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;

/**
 * The implicit Gaussian prior of early stopping (Santos 1996; Grant et al. 2018, "Recasting
 * gradient-based meta-learning as hierarchical Bayes"), in double precision.
 *
 * <p>For a quadratic loss L(φ) = ½ φᵀHφ − bᵀφ + c ({@link QuadraticLoss}; H symmetric positive
 * semi-definite) and a symmetric positive definite preconditioner B, k steps
 * φ_{j+1} = φ_j − B ∇L(φ_j) from φ_0 = θ land exactly on the MAP
 * argmin_φ L(φ) + ½ (φ − θ)ᵀ Q_k⁻¹ (φ − θ), i.e. on the mode of the posterior under the prior
 * N(θ, Q_k).
 *
 * <p><b>Commuting case</b> B = αI, H = OΛOᵀ: Q_k = O Λ⁻¹ ((I − αΛ)^{−k} − I) Oᵀ.
 *
 * <p><b>General SPD B</b> (B and H need not commute). In whitened coordinates ψ = B^{−1/2} φ the
 * iteration is plain gradient descent with step 1 on H̃ = B^{1/2} H B^{1/2} = Õ Λ̃ Õᵀ (the
 * eigenvalues Λ̃ of H̃ are those of BH, to which it is similar), so the commuting result with α = 1
 * gives Q̃_k = Õ Λ̃⁻¹ ((I − Λ̃)^{−k} − I) Õᵀ for ψ, and mapping back (φ = B^{1/2} ψ):
 *
 * <pre>
 *   Q_k = B^{1/2} Õ Λ̃⁻¹ ((I − Λ̃)^{−k} − I) Õᵀ B^{1/2}
 *       = ((I − BH)^{−k} − I) H⁻¹                      (when H is invertible)
 *   Q_k⁻¹ = B^{−1/2} Õ Λ̃ ((I − Λ̃)^{−k} − I)⁻¹ Õᵀ B^{−1/2}
 * </pre>
 *
 * The second form follows from B^{1/2} (I − H̃) B^{−1/2} = I − BH and H̃⁻¹ B^{1/2} = B^{−1/2} H⁻¹;
 * with B = αI it is the commuting formula. Proof of the MAP identity in whitened coordinates, per
 * eigen-direction with eigenvalue λ and prior variance q = ((1 − λ)^{−k} − 1)/λ: the MAP shrinks
 * the start's offset from the minimiser by 1/(1 + λq) = (1 − λ)^k, exactly what k steps do.
 * A zero eigenvalue (a flat direction of L) takes the limit q = k (k·α for B = αI): the iterate
 * does not move there and the prior variance stays finite.
 *
 * <p>Conditions: the iteration is stable iff every eigenvalue of BH lies in [0, 2) (‖I − BH‖ &lt; 1
 * in the B^{−1/2}-norm). The prior is a proper Gaussian only if additionally (1 − λ)^k &gt; 0 for
 * every eigenvalue λ: no eigenvalue equals 1 (one step lands on the minimum along it: infinite
 * variance), and for odd k none exceeds 1 (the iterate overshoots the minimum, which no
 * positive variance reproduces). Violations are rejected with the offending eigenvalue.
 *
 * <p>Numerics: the variances are computed as expm1(−k log|1 − λ|)/λ and the precisions as their
 * reciprocals, never by inverting Q_k, so that near-converged directions (huge variance) and
 * near-flat ones (λ → 0) keep full relative accuracy; the MAP solves (H + Q_k⁻¹) φ = b + Q_k⁻¹ θ.
 */
public final class EarlyStoppingPrior {
  private final QuadraticLoss loss;
  private final RealMatrix preconditioner;
  private final int steps;
  private final RealMatrix sqrtPreconditioner;
  private final RealMatrix inverseSqrtPreconditioner;
  private final double logDetPreconditioner;
  private final RealMatrix whitenedVectors; // Õ
  private final double[] whitenedEigenvalues; // Λ̃ = eigenvalues of BH
  private final double[] whitenedVariances; // ((1 − λ)^{−k} − 1)/λ
  private final double[] whitenedPrecisions; // reciprocals

  private EarlyStoppingPrior(QuadraticLoss loss, RealMatrix preconditioner, int steps, boolean scalar) {
    if (loss == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior: loss must be given");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("EarlyStoppingPrior: steps must be >= 1, got " + steps
          + " (k = 0 leaves φ = θ: a point mass, not a Gaussian)");
    }
    this.loss = loss;
    this.steps = steps;
    Whitening w = whiten(loss, preconditioner);
    this.preconditioner = w.preconditioner;
    this.sqrtPreconditioner = w.sqrt;
    this.inverseSqrtPreconditioner = w.inverseSqrt;
    this.logDetPreconditioner = w.logDet;
    this.whitenedVectors = w.vectors;
    double[] lambda = w.eigenvalues;
    this.whitenedEigenvalues = lambda;
    requireProper(lambda, steps, scalar ? preconditioner.getEntry(0, 0) : Double.NaN);
    this.whitenedVariances = Matrices.map(lambda, l -> variance(l, steps));
    this.whitenedPrecisions = Matrices.map(whitenedVariances, v -> 1 / v);
  }

  // B's square roots and the eigendecomposition of B^{1/2} H B^{1/2}, with their checks.
  private record Whitening(RealMatrix preconditioner, RealMatrix sqrt, RealMatrix inverseSqrt, double logDet,
      RealMatrix vectors, double[] eigenvalues) {}

  private static Whitening whiten(QuadraticLoss loss, RealMatrix preconditioner) {
    int d = loss.dimension();
    if (preconditioner.getRowDimension() != d || preconditioner.getColumnDimension() != d) {
      throw new IllegalArgumentException("EarlyStoppingPrior: preconditioner is " + preconditioner.getRowDimension()
          + "x" + preconditioner.getColumnDimension() + " but the loss has dimension " + d);
    }
    RealMatrix b = Matrices.symmetric("EarlyStoppingPrior: preconditioner B", preconditioner);
    RealMatrix h = loss.hessian();
    requirePositiveSemiDefinite(h);
    EigenDecompositionSymmetric eb = Matrices.eigen(b);
    double[] bValues = eb.getEigenvalues();
    double bMax = 0;
    for (double v : bValues) {
      bMax = Math.max(bMax, v);
    }
    double logDet = 0;
    for (double v : bValues) {
      if (!(v > bValues.length * Math.ulp(1.0) * bMax)) {
        throw new IllegalArgumentException("EarlyStoppingPrior: preconditioner B must be positive definite; it has "
            + "eigenvalue " + v + " (largest " + bMax + "): " + preconditioner);
      }
      logDet += Math.log(v);
    }
    RealMatrix sqrt = Matrices.compose(eb.getV(), Matrices.map(bValues, Math::sqrt));
    RealMatrix inverseSqrt = Matrices.compose(eb.getV(), Matrices.map(bValues, v -> 1 / Math.sqrt(v)));
    RealMatrix whitened = sqrt.multiply(h).multiply(sqrt);
    EigenDecompositionSymmetric ew = Matrices.eigen(whitened.add(whitened.transpose()).scalarMultiply(0.5));
    // H is PSD (checked), so a negative eigenvalue of B^{1/2} H B^{1/2} is rounding of a zero.
    double[] lambda = Matrices.map(ew.getEigenvalues(), l -> Math.max(l, 0));
    return new Whitening(b, sqrt, inverseSqrt, logDet, ew.getV(), lambda);
  }

  /** k steps of size α: B = αI (α &gt; 0). */
  public static EarlyStoppingPrior forStepSize(QuadraticLoss loss, double stepSize, int steps) {
    if (!(stepSize > 0) || !Double.isFinite(stepSize)) {
      throw new IllegalArgumentException("EarlyStoppingPrior: step size must be positive and finite, got " + stepSize);
    }
    if (loss == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior: loss must be given");
    }
    RealMatrix b = MatrixUtils.createRealIdentityMatrix(loss.dimension()).scalarMultiply(stepSize);
    return new EarlyStoppingPrior(loss, b, steps, true);
  }

  /** k steps preconditioned by a symmetric positive definite B (which need not commute with H). */
  public static EarlyStoppingPrior forPreconditioner(QuadraticLoss loss, RealMatrix preconditioner, int steps) {
    if (preconditioner == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior: preconditioner must be given");
    }
    return new EarlyStoppingPrior(loss, preconditioner, steps, false);
  }

  // ((1 − λ)^{−k} − 1)/λ; its λ → 0 limit is k. |1 − λ| < 1 and (1 − λ)^k > 0 were checked.
  private static double variance(double lambda, int k) {
    if (lambda == 0) {
      return k;
    }
    double logAbs = lambda < 1 ? Math.log1p(-lambda) : Math.log(lambda - 1);
    return Math.expm1(-k * logAbs) / lambda;
  }

  private static void requirePositiveSemiDefinite(RealMatrix h) {
    double[] values = Matrices.eigen(h).getEigenvalues();
    double max = 0;
    for (double v : values) {
      max = Math.max(max, Math.abs(v));
    }
    for (double v : values) {
      if (v < -values.length * 8 * Math.ulp(1.0) * max) {
        throw new IllegalArgumentException("EarlyStoppingPrior: the loss' Hessian must be positive semi-definite; it "
            + "has eigenvalue " + v + " (largest magnitude " + max + ")");
      }
    }
  }

  private static void requireProper(double[] lambda, int k, double alpha) {
    double max = 0;
    for (double l : lambda) {
      max = Math.max(max, l);
    }
    String hint = Double.isNaN(alpha) ? "" : "; with B = αI, α = " + alpha + ", stability needs α < 2/λ_max(H) = "
        + 2 * alpha / max + " and a proper prior α < 1/λ_max(H) = " + alpha / max;
    if (!(max < 2)) {
      throw new IllegalArgumentException("EarlyStoppingPrior: the iteration diverges: the largest eigenvalue of BH is "
          + max + " >= 2 (stability needs ‖I − BH‖ < 1, i.e. eigenvalues of BH in [0, 2))" + hint);
    }
    for (double l : lambda) {
      if (Math.abs(1 - l) <= 1e-12) {
        throw new IllegalArgumentException("EarlyStoppingPrior: an eigenvalue of BH equals 1 (" + l + "): one step "
            + "reaches the minimum along it, which no finite prior variance reproduces" + hint);
      }
      if (l > 1 && k % 2 == 1) {
        throw new IllegalArgumentException("EarlyStoppingPrior: eigenvalue " + l + " of BH lies in (1, 2) and k = " + k
            + " is odd: the iterate overshoots the minimum ((1 − λ)^k < 0), so Q_k is not positive definite; "
            + "need eigenvalues of BH below 1 (or an even k)" + hint);
      }
    }
  }

  public QuadraticLoss loss() {
    return loss;
  }

  public RealMatrix preconditioner() {
    return preconditioner.copy();
  }

  public int steps() {
    return steps;
  }

  /** The eigenvalues of BH (equivalently of B^{1/2} H B^{1/2}), in [0, 2). */
  public double[] iterationEigenvalues() {
    return whitenedEigenvalues.clone();
  }

  /** Q_k. Entries may be infinite when (1 − λ)^{−k} overflows (a direction converged far past rounding). */
  public RealMatrix covariance() {
    return sqrtPreconditioner.multiply(Matrices.compose(whitenedVectors, whitenedVariances))
        .multiply(sqrtPreconditioner);
  }

  /** Q_k⁻¹, computed from the reciprocal whitened variances (finite even where Q_k overflows). */
  public RealMatrix precision() {
    return inverseSqrtPreconditioner.multiply(Matrices.compose(whitenedVectors, whitenedPrecisions))
        .multiply(inverseSqrtPreconditioner);
  }

  /**
   * The MAP argmin_φ L(φ) + ½ (φ − θ)ᵀ Q_k⁻¹ (φ − θ) in closed form: the solution of
   * (H + Q_k⁻¹) φ = b + Q_k⁻¹ θ.
   */
  public RealVector map(RealVector theta) {
    loss.requireDimension("map (θ)", theta);
    RealMatrix p = precision();
    RealMatrix a = loss.hessian().add(p);
    return new LUDecomposition(a).getSolver().solve(loss.linearTerm().add(p.operate(theta)));
  }

  /** The k-th iterate φ_k of φ_{j+1} = φ_j − B ∇L(φ_j) from θ, step by step (a reference). */
  public RealVector iterate(RealVector theta) {
    loss.requireDimension("iterate (θ)", theta);
    RealVector phi = theta.copy();
    for (int j = 0; j < steps; j++) {
      phi = phi.subtract(preconditioner.operate(loss.gradient(phi)));
    }
    return phi;
  }

  /** N(θ, Q_k) as a {@link Prior} over θ's structure (θ flattened in name order, row-major). */
  public FullCovarianceGaussian asPrior(Params theta) {
    if (theta == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior.asPrior: θ must be given");
    }
    long n = Structures.numel(Structures.shapesOf(theta));
    if (n != loss.dimension()) {
      throw new IllegalArgumentException("EarlyStoppingPrior.asPrior: θ has " + n + " elements "
          + Structures.describe(Structures.shapesOf(theta)) + " but the loss has dimension " + loss.dimension());
    }
    double logDet = logDetPreconditioner;
    for (double v : whitenedVariances) {
      logDet += Math.log(v);
    }
    RealMatrix factor = sqrtPreconditioner.multiply(whitenedVectors)
        .multiply(MatrixUtils.createRealDiagonalMatrix(Matrices.map(whitenedVariances, Math::sqrt)));
    return new FullCovarianceGaussian(theta, covariance(), precision(), logDet, factor);
  }

  /**
   * The gradient-flow limit (α → 0 with kα = t fixed) for dφ/dt = −∇L(φ):
   * Q(t) = O Λ⁻¹ (exp(tΛ) − I) Oᵀ (limit t·I along flat directions).
   */
  public static RealMatrix gradientFlowCovariance(QuadraticLoss loss, double time) {
    if (loss == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior.gradientFlowCovariance: loss must be given");
    }
    return gradientFlowCovariance(loss, MatrixUtils.createRealIdentityMatrix(loss.dimension()), time);
  }

  /**
   * The gradient-flow limit for dφ/dt = −B ∇L(φ) (k steps with preconditioner (t/k)·B as
   * k → ∞): Q(t) = B^{1/2} Õ Λ̃⁻¹ (exp(tΛ̃) − I) Õᵀ B^{1/2} with B^{1/2} H B^{1/2} = Õ Λ̃ Õᵀ.
   */
  public static RealMatrix gradientFlowCovariance(QuadraticLoss loss, RealMatrix preconditioner, double time) {
    if (!(time > 0) || !Double.isFinite(time)) {
      throw new IllegalArgumentException("EarlyStoppingPrior.gradientFlowCovariance: time must be positive and "
          + "finite, got " + time);
    }
    if (loss == null || preconditioner == null) {
      throw new IllegalArgumentException("EarlyStoppingPrior.gradientFlowCovariance: loss and preconditioner must be "
          + "given");
    }
    Whitening w = whiten(loss, preconditioner);
    double[] variances = Matrices.map(w.eigenvalues, l -> l == 0 ? time : Math.expm1(time * l) / l);
    return w.sqrt.multiply(Matrices.compose(w.vectors, variances)).multiply(w.sqrt);
  }

  @Override
  public String toString() {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (double l : whitenedEigenvalues) {
      min = Math.min(min, l);
      max = Math.max(max, l);
    }
    return "EarlyStoppingPrior(d=" + loss.dimension() + ", k=" + steps + ", eig(BH) in [" + min + ", " + max + "])";
  }
}
