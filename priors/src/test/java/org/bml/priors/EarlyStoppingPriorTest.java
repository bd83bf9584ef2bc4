package org.bml.priors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.MultivariateNormalDistribution;
import org.bml.core.model.Params;
import org.hipparchus.complex.Complex;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionNonSymmetric;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;

/**
 * The early-stopping prior's formulas against independent renderings of them (the issue's
 * eigenbasis form for B = αI, the compact ((I − BH)^{−k} − I) H⁻¹ for general B), its MAP against
 * the plain iteration, and its validation. The randomised properties, including the agreement with
 * the toolkit's own gradient descent, are in the inference module.
 */
class EarlyStoppingPriorTest {

  static RealMatrix random(int rows, int cols, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] a = new double[rows][cols];
    for (double[] row : a) {
      for (int j = 0; j < cols; j++) {
        row[j] = rng.nextDouble(-1, 1);
      }
    }
    return MatrixUtils.createRealMatrix(a);
  }

  static RealVector randomVector(int n, long seed) {
    return random(n, 1, seed).getColumnVector(0);
  }

  static QuadraticLoss leastSquares(int n, int d, long seed) {
    return QuadraticLoss.meanSquaredError(random(n, d, seed), randomVector(n, seed + 1));
  }

  static double largestEigenvalue(RealMatrix symmetric) {
    double max = 0;
    for (double v : new EigenDecompositionSymmetric(symmetric).getEigenvalues()) {
      max = Math.max(max, v);
    }
    return max;
  }

  static double relative(RealMatrix a, RealMatrix b) {
    return a.subtract(b).getFrobeniusNorm() / Math.max(a.getFrobeniusNorm(), b.getFrobeniusNorm());
  }

  static double relative(RealVector a, RealVector b) {
    return a.subtract(b).getNorm() / Math.max(a.getNorm(), b.getNorm());
  }

  @Test
  void commutingCaseIsTheIssuesFormula() {
    QuadraticLoss loss = leastSquares(9, 4, 1);
    double alpha = 0.8 / largestEigenvalue(loss.hessian());
    int k = 7;
    EarlyStoppingPrior prior = EarlyStoppingPrior.forStepSize(loss, alpha, k);
    // Q_k = O Λ⁻¹ ((I − αΛ)^{−k} − I) Oᵀ, directly.
    EigenDecompositionSymmetric e = new EigenDecompositionSymmetric(loss.hessian());
    double[] lambda = e.getEigenvalues();
    double[] q = new double[lambda.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = (Math.pow(1 - alpha * lambda[i], -k) - 1) / lambda[i];
    }
    RealMatrix expected = e.getV().multiply(MatrixUtils.createRealDiagonalMatrix(q)).multiply(e.getVT());
    assertTrue(relative(expected, prior.covariance()) < 1e-12, "relative error " + relative(expected,
        prior.covariance()));
    RealMatrix identity = MatrixUtils.createRealIdentityMatrix(4);
    assertTrue(relative(identity, prior.covariance().multiply(prior.precision())) < 1e-10);
  }

  @Test
  void generalPreconditionerMatchesTheCompactForm() {
    QuadraticLoss loss = leastSquares(10, 5, 2);
    RealMatrix a = random(5, 5, 3);
    RealMatrix b = a.multiplyTransposed(a).add(MatrixUtils.createRealIdentityMatrix(5).scalarMultiply(0.3));
    RealMatrix h = loss.hessian();
    assertTrue(b.multiply(h).subtract(h.multiply(b)).getFrobeniusNorm() > 0.1, "B and H must not commute");
    // Scale B so that the largest eigenvalue of BH is 0.5: the oracle inverts (I − BH)^k, whose
    // condition number ~ (1 − 0.5)^{−k} bounds its own accuracy (0.9 would cost it 9 digits).
    double top = 0;
    for (Complex v : new EigenDecompositionNonSymmetric(b.multiply(h)).getEigenvalues()) {
      top = Math.max(top, v.getReal());
    }
    b = b.scalarMultiply(0.5 / top);
    int k = 9;
    EarlyStoppingPrior prior = EarlyStoppingPrior.forPreconditioner(loss, b, k);
    RealMatrix identity = MatrixUtils.createRealIdentityMatrix(5);
    RealMatrix step = identity.subtract(b.multiply(h));
    RealMatrix compact = MatrixUtils.inverse(step.power(k)).subtract(identity).multiply(MatrixUtils.inverse(h));
    assertTrue(relative(compact, prior.covariance()) < 1e-10, "relative error " + relative(compact,
        prior.covariance()));
    RealVector theta = randomVector(5, 4);
    assertTrue(relative(prior.iterate(theta), prior.map(theta)) < 1e-10);
  }

  @Test
  void flatDirectionsKeepAFiniteVarianceOfKAlpha() {
    // d = 4 > n = 2: H has a two-dimensional null space, along which GD never moves.
    QuadraticLoss loss = leastSquares(2, 4, 5);
    double alpha = 0.5 / largestEigenvalue(loss.hessian());
    EarlyStoppingPrior prior = EarlyStoppingPrior.forStepSize(loss, alpha, 12);
    double[] variances = new EigenDecompositionSymmetric(prior.covariance()).getEigenvalues();
    double min = Double.POSITIVE_INFINITY;
    for (double v : variances) {
      min = Math.min(min, v);
    }
    assertEquals(12 * alpha, min, 1e-10 * 12 * alpha, "variance k·α along the null space");
    RealVector theta = randomVector(4, 6);
    assertTrue(relative(prior.iterate(theta), prior.map(theta)) < 1e-11);
  }

  @Test
  void evenStepsMayOvershootOddStepsMayNot() {
    QuadraticLoss loss = leastSquares(8, 3, 7);
    double alpha = 1.6 / largestEigenvalue(loss.hessian());
    RealVector theta = randomVector(3, 8);
    EarlyStoppingPrior even = EarlyStoppingPrior.forStepSize(loss, alpha, 6);
    assertTrue(relative(even.iterate(theta), even.map(theta)) < 1e-10);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EarlyStoppingPrior.forStepSize(loss, alpha, 5));
    assertTrue(e.getMessage().contains("k = 5 is odd") && e.getMessage().contains("overshoots"), e.getMessage());
  }

  @Test
  void asPriorIsTheGaussianWithCovarianceQk() {
    QuadraticLoss loss = leastSquares(9, 6, 9);
    double alpha = 0.3 / largestEigenvalue(loss.hessian());
    EarlyStoppingPrior prior = EarlyStoppingPrior.forStepSize(loss, alpha, 4);
    LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("w", new long[] {2, 2});
    shapes.put("b", new long[] {2});
    Params theta = Fixtures.uniform(shapes, 0, -1, 1, 10, false);
    FullCovarianceGaussian gaussian = prior.asPrior(theta);
    Params phi = Fixtures.uniform(shapes, 0, -1, 1, 11, false);
    double expected = Math.log(new MultivariateNormalDistribution(Fixtures.flat(theta), prior.covariance().getData())
        .density(Fixtures.flat(phi)));
    assertEquals(expected, gaussian.logDensity(phi).item(), 1e-10 * Math.abs(expected));
    LinkedHashMap<String, long[]> five = new LinkedHashMap<>();
    five.put("w", new long[] {5});
    Params fiveElements = Fixtures.uniform(five, 0, -1, 1, 13, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> prior.asPrior(fiveElements));
    assertTrue(e.getMessage().contains("5 elements") && e.getMessage().contains("dimension 6"), e.getMessage());
  }

  @Test
  void gradientFlowCovarianceIsTheExponentialFormula() {
    QuadraticLoss loss = leastSquares(7, 3, 14);
    double t = 1.3;
    EigenDecompositionSymmetric e = new EigenDecompositionSymmetric(loss.hessian());
    double[] lambda = e.getEigenvalues();
    double[] q = new double[lambda.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = (Math.exp(t * lambda[i]) - 1) / lambda[i];
    }
    RealMatrix expected = e.getV().multiply(MatrixUtils.createRealDiagonalMatrix(q)).multiply(e.getVT());
    assertTrue(relative(expected, EarlyStoppingPrior.gradientFlowCovariance(loss, t)) < 1e-12);
  }

  @Test
  void leastSquaresLossMatchesItsDefinition() {
    RealMatrix x = random(6, 3, 15);
    RealVector y = randomVector(6, 16);
    QuadraticLoss loss = QuadraticLoss.meanSquaredError(x, y);
    RealVector w = randomVector(3, 17);
    RealVector r = x.operate(w).subtract(y);
    assertEquals(r.dotProduct(r) / 6, loss.value(w), 1e-14);
    RealVector ls = new LUDecomposition(x.transpose().multiply(x)).getSolver().solve(x.transpose().operate(y));
    assertTrue(relative(ls, loss.minimiser()) < 1e-12);
  }

  @Test
  void badSetupsAreRejectedWithTheOffendingValue() {
    QuadraticLoss loss = leastSquares(8, 3, 18);
    double top = largestEigenvalue(loss.hessian());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EarlyStoppingPrior.forStepSize(loss, 2.5 / top, 3));
    assertTrue(e.getMessage().contains("diverges") && e.getMessage().contains("α < 2/λ_max(H)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forStepSize(loss, -0.1, 3));
    assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forStepSize(loss, 0.1 / top, 0));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    // H = diag(2, 1) with α = 0.5: one eigenvalue of αH is exactly 1.
    QuadraticLoss diagonal = new QuadraticLoss(MatrixUtils.createRealDiagonalMatrix(new double[] {2, 1}),
        new ArrayRealVector(2), 0);
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forStepSize(diagonal, 0.5, 2));
    assertTrue(e.getMessage().contains("equals 1"), e.getMessage());
    QuadraticLoss indefinite = new QuadraticLoss(MatrixUtils.createRealDiagonalMatrix(new double[] {1, -0.5}),
        new ArrayRealVector(2), 0);
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forStepSize(indefinite, 0.1, 2));
    assertTrue(e.getMessage().contains("positive semi-definite") && e.getMessage().contains("-0.5"), e.getMessage());
    RealMatrix notSpd = MatrixUtils.createRealDiagonalMatrix(new double[] {0.1, 0.0, 0.1});
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forPreconditioner(loss, notSpd, 2));
    assertTrue(e.getMessage().contains("positive definite"), e.getMessage());
    RealMatrix wrongSize = MatrixUtils.createRealIdentityMatrix(2);
    e = assertThrows(IllegalArgumentException.class, () -> EarlyStoppingPrior.forPreconditioner(loss, wrongSize, 2));
    assertTrue(e.getMessage().contains("2x2") && e.getMessage().contains("dimension 3"), e.getMessage());
    RealMatrix asymmetric = MatrixUtils.createRealMatrix(new double[][] {{1, 0.5}, {0, 1}});
    e = assertThrows(IllegalArgumentException.class, () -> new QuadraticLoss(asymmetric, new ArrayRealVector(2), 0));
    assertTrue(e.getMessage().contains("symmetric"), e.getMessage());
    EarlyStoppingPrior ok = EarlyStoppingPrior.forStepSize(loss, 0.5 / top, 2);
    e = assertThrows(IllegalArgumentException.class, () -> ok.map(new ArrayRealVector(4)));
    assertTrue(e.getMessage().contains("dimension 4"), e.getMessage());
  }
}
