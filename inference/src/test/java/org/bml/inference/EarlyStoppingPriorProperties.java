package org.bml.inference;

import static org.bml.inference.LeastSquaresProblem.format;
import static org.bml.inference.LeastSquaresProblem.relativeError;
import static org.bml.inference.LeastSquaresProblem.weights;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.Tensor;
import org.bml.priors.EarlyStoppingPrior;
import org.bml.priors.QuadraticLoss;
import org.hipparchus.linear.EigenDecompositionNonSymmetric;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Early stopping is MAP under a Gaussian prior (Santos 1996; Grant et al. 2018): k steps of the
 * toolkit's own {@link TruncatedGradientDescent} on a least-squares task land on the closed-form
 * MAP under N(θ, Q_k) of {@link EarlyStoppingPrior}, for generated X, y, θ, step sizes and k,
 * with B = αI and with a general SPD B that does not commute with H; Q_k grows with k, the MAP
 * tends to least squares, and small steps approach the gradient-flow prior.
 *
 * <p>Step sizes are generated as a fraction of the limit for a proper prior: the largest
 * eigenvalue of BH is drawn from [0.01, 0.95] (α = fraction / λ_max(H) for B = αI).
 */
class EarlyStoppingPriorProperties {

  /** The generated problem with its step-size fraction and number of steps. */
  record Case(LeastSquaresProblem problem, double fraction, int steps) {
    double stepSize() {
      return fraction / problem.largestCurvature();
    }

    @Override
    public String toString() {
      return problem + "\n    α = " + stepSize() + " (α λ_max(H) = " + fraction + "), k = " + steps;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    return Combinators.combine(LeastSquaresProblem.arbitrary(),
        Arbitraries.doubles().between(0.01, 0.95).ofScale(3), Arbitraries.integers().between(1, 50)).as(Case::new);
  }

  // ---------------------------------------------------------------- (i) TGD's iterate = MAP under N(θ, Q_k)

  @Property(tries = 1000, seed = "20180116")
  void truncatedGradientDescentLandsOnTheEarlyStoppingMap(@ForAll("cases") Case c) {
    LeastSquaresProblem p = c.problem();
    EarlyStoppingPrior prior = EarlyStoppingPrior.forStepSize(p.loss(), c.stepSize(), c.steps());
    RealVector map = prior.map(p.thetaVector());
    RealVector tgd = weights(new TruncatedGradientDescent(c.steps(), c.stepSize(), GradientOrder.FIRST)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), c.steps()));
    double error = relativeError(tgd, map, p.thetaVector());
    assertTrue(error <= 1e-9, c + "\n  TGD φ_k  = " + format(tgd) + "\n  MAP      = " + format(map)
        + "\n  relative error " + error + " > 1e-9 (norms relative to max(‖φ_k‖, ‖MAP‖, ‖θ‖))");
  }

  @Provide
  Arbitrary<Case> overshootingCases() {
    return Combinators.combine(LeastSquaresProblem.arbitrary(), Arbitraries.doubles().between(1.05, 1.9).ofScale(3),
        Arbitraries.integers().between(1, 25).map(half -> 2 * half)).as(Case::new);
  }

  /**
   * Past α λ_max = 1 (but within the stability limit 2) the iterate overshoots along the stiffest
   * directions; for even k it is still the MAP under a proper Gaussian prior, since
   * (1 − αλ)^k &gt; 0 (odd k are rejected, see the priors module's tests).
   */
  @Property(tries = 200, seed = "20180117")
  void overshootingEvenStepsStillLandOnTheMap(@ForAll("overshootingCases") Case c) {
    LeastSquaresProblem p = c.problem();
    EarlyStoppingPrior prior = EarlyStoppingPrior.forStepSize(p.loss(), c.stepSize(), c.steps());
    RealVector map = prior.map(p.thetaVector());
    RealVector tgd = weights(new TruncatedGradientDescent(c.steps(), c.stepSize(), GradientOrder.FIRST)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), c.steps()));
    double error = relativeError(tgd, map, p.thetaVector());
    assertTrue(error <= 1e-9, c + "\n  TGD φ_k  = " + format(tgd) + "\n  MAP      = " + format(map)
        + "\n  relative error " + error + " > 1e-9");
  }

  // ---------------------------------------------------------------- (ii) Q_k grows; MAP → least squares

  @Property(tries = 200, seed = "19960701")
  void priorCovarianceGrowsWithTheNumberOfSteps(@ForAll("cases") Case c) {
    LeastSquaresProblem p = c.problem();
    Assume.that(c.steps() < 50);
    double alpha = c.stepSize();
    RealMatrix qk = EarlyStoppingPrior.forStepSize(p.loss(), alpha, c.steps()).covariance();
    RealMatrix qNext = EarlyStoppingPrior.forStepSize(p.loss(), alpha, c.steps() + 1).covariance();
    RealMatrix difference = qNext.subtract(qk);
    double minEigenvalue = Arrays.stream(new EigenDecompositionSymmetric(
        difference.add(difference.transpose()).scalarMultiply(0.5)).getEigenvalues()).min().orElseThrow();
    // Exactly, Q_{k+1} − Q_k = O (I − αΛ)^{−(k+1)} Oᵀ α ⪰ αI; rounding in Q is ~1e-15 ‖Q‖.
    double bound = alpha - 1e-12 * qNext.getFrobeniusNorm();
    assertTrue(minEigenvalue >= bound, c + "\n  λ_min(Q_{k+1} − Q_k) = " + minEigenvalue + " < " + bound
        + "\n  Q_k =" + format(qk) + "\n  Q_{k+1} =" + format(qNext));
  }

  @Property(tries = 200, seed = "20190601")
  void mapTendsToLeastSquaresAsStepsGrow(@ForAll("cases") Case c) {
    LeastSquaresProblem p = c.problem();
    QuadraticLoss loss = p.loss();
    RealVector leastSquares = loss.minimiser();
    RealVector theta = p.thetaVector();
    double alpha = c.stepSize();
    // ‖φ_k − φ_LS‖ ≤ (1 − α λ_min)^k ‖θ − φ_LS‖ since the error is (I − αH)^k (θ − φ_LS).
    double rate = 1 - alpha * p.smallestCurvature();
    double start = theta.subtract(leastSquares).getNorm();
    double slack = 1e-10 * Math.max(leastSquares.getNorm(), theta.getNorm());
    double previous = Double.POSITIVE_INFINITY;
    StringBuilder trace = new StringBuilder();
    int converged = (int) Math.min(Integer.MAX_VALUE, Math.ceil(Math.log(1e-12) / Math.log(rate)));
    for (int k : new int[] {1, 10, 100, 1_000, 10_000, 100_000, converged}) {
      double error = EarlyStoppingPrior.forStepSize(loss, alpha, k).map(theta).subtract(leastSquares).getNorm();
      trace.append("\n    k = ").append(k).append(": ‖MAP − φ_LS‖ = ").append(error)
          .append(", bound ").append(Math.pow(rate, k) * start);
      assertTrue(error <= Math.pow(rate, k) * start + slack && error <= previous + slack,
          c + "\n  φ_LS = " + format(leastSquares) + trace);
      previous = error;
    }
    assertTrue(previous <= 1e-9 * Math.max(leastSquares.getNorm(), start),
        c + "\n  not converged to φ_LS = " + format(leastSquares) + trace);
  }

  // ---------------------------------------------------------------- (iii) a preconditioner that does not commute

  /** A case with an SPD preconditioner B = c·(AAᵀ + 0.2 I), scaled so that λ_max(BH) = fraction. */
  record PreconditionedCase(Case base, double[] a) {
    RealMatrix preconditioner() {
      int d = base.problem().d();
      RealMatrix m = MatrixUtils.createRealMatrix(d, d);
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          m.setEntry(i, j, a[i * d + j]);
        }
      }
      RealMatrix b = m.multiplyTransposed(m).add(MatrixUtils.createRealIdentityMatrix(d).scalarMultiply(0.2));
      RealMatrix bh = b.multiply(base.problem().loss().hessian());
      double top = Arrays.stream(new EigenDecompositionNonSymmetric(bh).getEigenvalues())
          .mapToDouble(z -> z.getReal()).max().orElseThrow();
      return b.scalarMultiply(base.fraction() / top);
    }

    @Override
    public String toString() {
      return base.problem() + "\n    B =" + format(preconditioner()) + "\n    (λ_max(BH) = " + base.fraction()
          + "), k = " + base.steps();
    }
  }

  @Provide
  Arbitrary<PreconditionedCase> preconditionedCases() {
    return cases().filter(c -> c.problem().d() >= 2).flatMap(c -> Arbitraries.doubles().between(-1, 1).ofScale(3)
        .array(double[].class).ofSize(c.problem().d() * c.problem().d()).map(a -> new PreconditionedCase(c, a)));
  }

  @Property(tries = 300, seed = "20180710")
  void preconditionedDescentLandsOnTheMapOfTheNonCommutingPrior(@ForAll("preconditionedCases") PreconditionedCase c) {
    LeastSquaresProblem p = c.base().problem();
    RealMatrix b = c.preconditioner();
    RealMatrix h = p.loss().hessian();
    double commutator = b.multiply(h).subtract(h.multiply(b)).getFrobeniusNorm() / b.multiply(h).getFrobeniusNorm();
    Assume.that(commutator > 1e-3);
    int k = c.base().steps();
    EarlyStoppingPrior prior = EarlyStoppingPrior.forPreconditioner(p.loss(), b, k);
    RealVector map = prior.map(p.thetaVector());
    RealVector iterate = prior.iterate(p.thetaVector());
    Preconditioner matrix = Preconditioner.matrix(Tensor.constant(Nd4j.createFromArray(b.getData())));
    RealVector tgd = weights(new TruncatedGradientDescent(k, matrix, GradientOrder.FIRST)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), k));
    double errorTgd = relativeError(tgd, map, p.thetaVector());
    double errorIterate = relativeError(iterate, map, p.thetaVector());
    assertTrue(errorTgd <= 1e-9 && errorIterate <= 1e-9, c + "\n  ‖BH − HB‖/‖BH‖ = " + commutator
        + "\n  TGD φ_k       = " + format(tgd) + "\n  Hipparchus φ_k = " + format(iterate)
        + "\n  MAP           = " + format(map) + "\n  relative errors " + errorTgd + ", " + errorIterate
        + " (bound 1e-9)");
  }

  // ---------------------------------------------------------------- (iv) small steps → the gradient-flow prior

  @Property(tries = 100, seed = "20240229")
  void smallStepsApproachTheGradientFlowPrior(@ForAll("cases") Case c,
      @ForAll @DoubleRange(min = 0.5, max = 3.0) double flowTime) {
    LeastSquaresProblem p = c.problem();
    // t λ_max(H) = flowTime; k₀ steps of t/k₀ keep α λ_max ≤ 0.5, then k doubles.
    double t = flowTime / p.largestCurvature();
    int k0 = (int) Math.ceil(flowTime / 0.5);
    RealMatrix flow = EarlyStoppingPrior.gradientFlowCovariance(p.loss(), t);
    double[] errors = new double[8];
    StringBuilder trace = new StringBuilder();
    for (int j = 0; j < errors.length; j++) {
      int k = k0 << j;
      RealMatrix qk = EarlyStoppingPrior.forStepSize(p.loss(), t / k, k).covariance();
      errors[j] = qk.subtract(flow).getFrobeniusNorm() / flow.getFrobeniusNorm();
      trace.append("\n    k = ").append(k).append(", α = ").append(t / k).append(": ‖Q_k − Q(t)‖/‖Q(t)‖ = ")
          .append(errors[j]);
    }
    String message = c.problem() + "\n    t = " + t + " (t λ_max = " + flowTime + ")" + trace;
    for (int j = 1; j < errors.length; j++) {
      assertTrue(errors[j] < errors[j - 1], "error must decrease as α shrinks with kα fixed:\n" + message);
    }
    // First order in α: halving α halves the error, asymptotically.
    double ratio = errors[errors.length - 1] / errors[errors.length - 2];
    assertTrue(ratio > 0.45 && ratio < 0.55, "last ratio " + ratio + ", expected ≈ 1/2:\n" + message);
  }
}
