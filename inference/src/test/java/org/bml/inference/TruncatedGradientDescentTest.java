package org.bml.inference;

import static org.bml.inference.LeastSquaresProblem.format;
import static org.bml.inference.LeastSquaresProblem.relativeError;
import static org.bml.inference.LeastSquaresProblem.weights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.EarlyStoppingPrior;
import org.bml.priors.FullCovarianceGaussian;
import org.bml.priors.IsotropicGaussian;
import org.bml.priors.QuadraticLoss;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Truncated gradient descent's extensions: the explicit prior term (run to convergence it reaches
 * the closed-form MAP of the linear-Gaussian model), preconditioners (scalar, per-parameter, full
 * matrix), exact second-order meta-gradients through both, and the compatibility of the original
 * constructors.
 */
class TruncatedGradientDescentTest {

  private static double[] eigenvalues(RealMatrix symmetric) {
    return new EigenDecompositionSymmetric(symmetric.add(symmetric.transpose()).scalarMultiply(0.5)).getEigenvalues();
  }

  /** Step size 1/λ_max and the number of steps after which (1 − λ_min/λ_max)^k is below 1e-14. */
  private static double[] convergentSchedule(RealMatrix hessian) {
    double[] e = eigenvalues(hessian);
    double max = Arrays.stream(e).max().orElseThrow();
    double min = Arrays.stream(e).min().orElseThrow();
    // Equal extremes (d = 1 included) converge in one step of 1/λ; take two against rounding.
    double steps = Math.max(2, Math.ceil(Math.log(1e-14) / Math.log1p(-min / max)));
    return new double[] {1 / max, steps};
  }

  // ---------------------------------------------------------------- the explicit prior term, run to convergence

  @Test
  void explicitGaussianPriorConvergesToTheLinearGaussianPosteriorMode() {
    // φ ~ N(θ, Σ), y = Xφ + ε, ε ~ N(0, σ²): the posterior mode minimises Σ(y − Xφ)²/2σ² − log N(φ; θ, Σ).
    // Scaled by 2σ²/n this is the mean squared error plus (2σ²/n)·(−log N(φ; θ, Σ)).
    LinearGaussianFixture f = LinearGaussianFixture.correlated(11);
    int n = (int) f.support.points();
    double weight = 2 * f.noiseStd * f.noiseStd / n;
    RealMatrix prec = MatrixUtils.inverse(MatrixUtils.createRealMatrix(f.sigma)).scalarMultiply(weight);
    double alpha = Double.POSITIVE_INFINITY;
    double steps = 0;
    for (int t = 0; t < f.tasks(); t++) {
      RealMatrix x = MatrixUtils.createRealMatrix(f.supportX(t).toDoubleMatrix());
      double[] schedule = convergentSchedule(x.transposeMultiply(x).scalarMultiply(2.0 / n).add(prec));
      alpha = Math.min(alpha, schedule[0]);
      steps = Math.max(steps, schedule[1]);
    }
    int k = (int) Math.ceil(steps * 1.2);
    Params phi = new TruncatedGradientDescent(k, alpha, GradientOrder.FIRST)
        .withPrior(f.fullCovariancePrior(), weight)
        .adapt(f.thetaParams(), f.support, Likelihood.meanSquaredError(f.model), k);
    double[] got = phi.get(LinearGaussianFixture.W).value().dup('c').data().asDouble();
    double[] exact = f.exactModes().get(LinearGaussianFixture.W).value().dup('c').data().asDouble();
    RealVector a = new ArrayRealVector(got);
    RealVector b = new ArrayRealVector(exact);
    double error = a.subtract(b).getNorm() / b.getNorm();
    assertTrue(error <= 1e-9, "after " + k + " steps of α = " + alpha + ": TGD " + format(a) + "\n  exact posterior modes "
        + format(b) + "\n  relative error " + error);
  }

  /** λ = ratio · λ_max(H), so that H + λI has condition ≤ (1 + ratio)/ratio and descent converges fast. */
  record RidgeCase(LeastSquaresProblem problem, double ratio) {
    double precision() {
      return ratio * problem.largestCurvature();
    }

    @Override
    public String toString() {
      return problem + "\n    λ = " + precision() + " (λ/λ_max(H) = " + ratio + ")";
    }
  }

  @Provide
  Arbitrary<RidgeCase> ridgeCases() {
    return Combinators.combine(LeastSquaresProblem.arbitrary(), Arbitraries.doubles().between(0.05, 1.0).ofScale(3))
        .as(RidgeCase::new);
  }

  @Property(tries = 20, seed = "20191009")
  void proximalTermConvergesToTheRegularisedLeastSquaresSolution(@ForAll("ridgeCases") RidgeCase c) {
    LeastSquaresProblem p = c.problem();
    QuadraticLoss loss = p.loss();
    RealMatrix h = loss.hessian().add(MatrixUtils.createRealIdentityMatrix(p.d()).scalarMultiply(c.precision()));
    // MAP of (1/n)‖Xw − y‖² + ½λ‖w − θ‖²: (H + λI) w = b + λθ.
    RealVector exact = new LUDecomposition(h).getSolver()
        .solve(loss.linearTerm().add(p.thetaVector().mapMultiply(c.precision())));
    double[] schedule = convergentSchedule(h);
    int k = (int) schedule[1];
    RealVector tgd = weights(new TruncatedGradientDescent(k, schedule[0], GradientOrder.FIRST)
        .withProximalTerm(c.precision()).adapt(p.thetaParams(), p.data(), p.likelihood(), k));
    double error = relativeError(tgd, exact, p.thetaVector());
    assertTrue(error <= 1e-9, c + "\n  k = " + k + ", α = " + schedule[0] + "\n  TGD = " + format(tgd) + "\n  MAP = "
        + format(exact) + "\n  relative error " + error);
  }

  @Test
  void proximalTermEqualsTheIsotropicPriorOfThePriorsModule() {
    LeastSquaresProblem p = new LeastSquaresProblem(new double[][] {{1, 0.5}, {-0.3, 2}, {0.7, 0.1}},
        new double[] {0.4, -1, 2}, new double[] {0.2, -0.6});
    double lambda = 0.8;
    Params viaProximal = new TruncatedGradientDescent(7, 0.05, GradientOrder.FIRST).withProximalTerm(lambda)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), 7);
    Params viaPrior = new TruncatedGradientDescent(7, 0.05, GradientOrder.FIRST)
        .withPrior(theta -> IsotropicGaussian.of(theta, 1 / lambda)::logDensity, 1.0)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), 7);
    assertTrue(relativeError(weights(viaProximal), weights(viaPrior), p.thetaVector()) <= 1e-14);
  }

  @Test
  void earlyStoppingPriorAsAnExplicitPriorReproducesTheKStepIterate() {
    // Closing the loop: descending L(φ) − log N(φ; θ, Q_k) to convergence lands where k plain steps do.
    LeastSquaresProblem p = new LeastSquaresProblem(
        new double[][] {{1, 0.5, -0.2}, {-0.3, 2, 0.4}, {0.7, 0.1, 1.1}, {0.2, -0.9, 0.3}, {1.4, 0.3, -0.6}},
        new double[] {0.4, -1, 2, 0.3, -0.5}, new double[] {0.2, -0.6, 1.0});
    QuadraticLoss loss = p.loss();
    double alpha = 0.6 / p.largestCurvature();
    int k = 5;
    EarlyStoppingPrior implicit = EarlyStoppingPrior.forStepSize(loss, alpha, k);
    FullCovarianceGaussian prior = implicit.asPrior(p.thetaParams());
    RealVector kSteps = weights(new TruncatedGradientDescent(k, alpha, GradientOrder.FIRST)
        .adapt(p.thetaParams(), p.data(), p.likelihood(), k));
    double[] schedule = convergentSchedule(loss.hessian().add(implicit.precision()));
    int steps = (int) schedule[1];
    RealVector converged = weights(new TruncatedGradientDescent(steps, schedule[0], GradientOrder.FIRST)
        .withPrior(theta -> prior::logDensity, 1.0).adapt(p.thetaParams(), p.data(), p.likelihood(), steps));
    double error = relativeError(converged, kSteps, p.thetaVector());
    assertTrue(error <= 1e-9, "k-step iterate " + format(kSteps) + " vs explicit-prior MAP " + format(converged)
        + " after " + steps + " steps: relative error " + error);
  }

  // ---------------------------------------------------------------- preconditioners

  private static final Mlp NET = new Mlp(Activation.TANH, 3, 4, 1);

  private static Data netData(int tasks, long seed) {
    INDArray x = GradientCheck.uniform(seed, -1, 1, tasks, 5, 3);
    INDArray y = GradientCheck.uniform(seed + 1, -1, 1, tasks, 5, 1);
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  private static double[] flat(Params p) {
    return Arrays.stream(p.tensors().stream().map(t -> t.value().dup('c').data().asDouble()).toArray(double[][]::new))
        .flatMapToDouble(Arrays::stream).toArray();
  }

  @Test
  void matrixPreconditionerOfAlphaIdentityEqualsScalarSteps() {
    Params theta = NET.init(3, DataType.DOUBLE).detach();
    Data data = netData(2, 4);
    Likelihood lik = Likelihood.meanSquaredError(NET);
    int n = (int) theta.numel();
    Tensor b = Tensor.constant(Nd4j.eye(n).castTo(DataType.DOUBLE).muli(0.3));
    Params scalar = new TruncatedGradientDescent(4, 0.3, GradientOrder.FIRST).adapt(theta, data, lik, 4);
    Params matrix = new TruncatedGradientDescent(4, Preconditioner.matrix(b), GradientOrder.FIRST)
        .adapt(theta, data, lik, 4);
    Params diagonal = new TruncatedGradientDescent(4, theta.map(t -> Tensor.constant(t.value().like().assign(0.3))),
        GradientOrder.FIRST).adapt(theta, data, lik, 4);
    assertArrayEquals(flat(scalar), flat(matrix), 1e-14);
    assertArrayEquals(flat(scalar), flat(diagonal), 1e-14);
  }

  @Test
  void matrixPreconditionerActsOnTheFlattenedParametersInNameOrder() {
    Params theta = NET.init(5, DataType.DOUBLE).detach();
    Data data = netData(2, 6);
    Likelihood lik = Likelihood.meanSquaredError(NET);
    int n = (int) theta.numel();
    INDArray bValues = GradientCheck.uniform(7, -0.2, 0.2, n, n);
    Params phi = new TruncatedGradientDescent(1, Preconditioner.matrix(Tensor.constant(bValues)), GradientOrder.FIRST)
        .adapt(theta, data, lik, 1);
    // The same step by hand: each task's gradient flattened (names in order, row-major), times B.
    Params start = theta.expand(2).asVariables();
    List<Tensor> g = Autodiff.grad(Ops.sum(lik.perTask(start, data), false), start.tensors(), false);
    double[] grad = flat(Params.of(start.names(), g));
    double[] th = flat(theta);
    double[] got = flat(phi);
    RealMatrix bm = MatrixUtils.createRealMatrix(bValues.toDoubleMatrix());
    for (int t = 0; t < 2; t++) {
      // flat(phi) is name-major: for each name, T blocks; rebuild task t's vector.
      double[] gt = new double[n];
      double[] pt = new double[n];
      int offset = 0;
      int flatOffset = 0;
      for (String name : theta.names()) {
        int w = (int) theta.get(name).length();
        System.arraycopy(grad, flatOffset + t * w, gt, offset, w);
        System.arraycopy(got, flatOffset + t * w, pt, offset, w);
        offset += w;
        flatOffset += 2 * w;
      }
      RealVector expected = new ArrayRealVector(th).subtract(bm.operate(new ArrayRealVector(gt)));
      assertArrayEquals(expected.toArray(), pt, 1e-13, "task " + t);
    }
  }

  @Test
  void metaGradientThroughAMatrixPreconditionerMatchesFiniteDifferences() {
    // f(θ, B) = query loss after two recorded steps with B: exact second order in both.
    Mlp small = new Mlp(Activation.TANH, 2, 2, 1);
    Params template = small.init(1, DataType.DOUBLE);
    int n = (int) template.numel();
    Data support = new Data(Tensor.constant(GradientCheck.uniform(2, -1, 1, 2, 4, 2)),
        Tensor.constant(GradientCheck.uniform(3, -1, 1, 2, 4, 1)));
    Data query = new Data(Tensor.constant(GradientCheck.uniform(4, -1, 1, 2, 4, 2)),
        Tensor.constant(GradientCheck.uniform(5, -1, 1, 2, 4, 1)));
    Likelihood lik = Likelihood.meanSquaredError(small);
    List<INDArray> at = new java.util.ArrayList<>();
    for (Tensor t : template.tensors()) {
      at.add(t.value());
    }
    INDArray b0 = Nd4j.eye(n).castTo(DataType.DOUBLE).muli(0.3).addi(GradientCheck.uniform(6, -0.05, 0.05, n, n));
    at.add(b0);
    double error = GradientCheck.gradientError(v -> {
      Params theta = Params.of(template.names(), v.subList(0, template.size()));
      Preconditioner b = Preconditioner.matrix(v.get(template.size()));
      Params phi = new TruncatedGradientDescent(2, b, GradientOrder.SECOND).adapt(theta, support, lik, 2);
      return Ops.mean(lik.perTask(phi, query), false);
    }, at, 1e-6);
    assertTrue(error <= 1e-7, "relative meta-gradient error " + error);
  }

  @Test
  void metaGradientReachesALearnablePriorEvenWhenThetaIsConstant() {
    // Only the prior's log-variances are variables: the steps must still be recorded.
    LeastSquaresProblem p = new LeastSquaresProblem(new double[][] {{1, 0.5}, {-0.3, 2}, {0.7, 0.1}},
        new double[] {0.4, -1, 2}, new double[] {0.2, -0.6});
    Data query = new Data(Tensor.constant(Nd4j.createFromArray(new double[][][] {{{0.3, -1}, {1.2, 0.4}}})),
        Tensor.constant(Nd4j.createFromArray(new double[][][] {{{0.5}, {-0.2}}})));
    Params theta = p.thetaParams();
    double error = GradientCheck.gradientError(v -> {
      Params logVar = Params.of(List.of(LeastSquaresProblem.W), List.of(v.get(0)));
      Params phi = new TruncatedGradientDescent(3, 0.1, GradientOrder.SECOND)
          .withPrior(th -> new DiagonalGaussian(th, logVar)::logDensity, 0.5)
          .adapt(theta, p.data(), p.likelihood(), 3);
      return Ops.mean(p.likelihood().perTask(phi, query), false);
    }, List.of(GradientCheck.uniform(8, -1, 1, 2, 1)), 1e-6);
    assertTrue(error <= 1e-7, "relative gradient error " + error);
  }

  @Test
  void learnedStepSizesWithAConstantThetaAreDifferentiable() {
    LeastSquaresProblem p = new LeastSquaresProblem(new double[][] {{1, 0.5}, {-0.3, 2}, {0.7, 0.1}},
        new double[] {0.4, -1, 2}, new double[] {0.2, -0.6});
    double error = GradientCheck.gradientError(v -> {
      Params steps = Params.of(List.of(LeastSquaresProblem.W), List.of(v.get(0)));
      Params phi = new TruncatedGradientDescent(2, steps, GradientOrder.SECOND)
          .adapt(p.thetaParams(), p.data(), p.likelihood(), 2);
      return Ops.sum(phi.get(LeastSquaresProblem.W), false);
    }, List.of(GradientCheck.uniform(9, 0.05, 0.2, 2, 1)), 1e-6);
    assertTrue(error <= 1e-8, "relative gradient error " + error);
  }

  @Test
  void originalConstructorsAreUnchanged() {
    Params theta = NET.init(8, DataType.DOUBLE).detach();
    Data data = netData(3, 9);
    Likelihood lik = Likelihood.meanSquaredError(NET);
    TruncatedGradientDescent tgd = new TruncatedGradientDescent(3, 0.2, GradientOrder.SECOND);
    assertEquals(3, tgd.steps());
    assertEquals(GradientOrder.SECOND, tgd.order());
    assertTrue(tgd.prior().isEmpty());
    assertEquals(5, tgd.withSteps(5).steps());
    // Three plain steps by hand.
    Params phi = theta.expand(3);
    for (int i = 0; i < 3; i++) {
      Params cur = phi.asVariables();
      List<Tensor> g = Autodiff.grad(Ops.sum(lik.perTask(cur, data), false), cur.tensors(), false);
      phi = cur.zip(Params.of(cur.names(), g), (a, b) -> Ops.sub(a, Ops.mulScalar(b, 0.2))).detach();
    }
    assertArrayEquals(flat(phi), flat(tgd.adapt(theta, data, lik, 3)), 1e-15);
    assertTrue(tgd.infer(theta, data, lik).isPointMass());
  }

  @Test
  void badConfigurationsAreRejected() {
    TruncatedGradientDescent tgd = new TruncatedGradientDescent(2, 0.1, GradientOrder.FIRST);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tgd.withPrior(null, 1.0));
    assertTrue(e.getMessage().contains("prior"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tgd.withPrior(PriorFamily.isotropic(1.0), 0.0));
    assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("0.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tgd.withProximalTerm(-2));
    assertTrue(e.getMessage().contains("-2.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TruncatedGradientDescent(2, Double.NaN,
        GradientOrder.FIRST));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Preconditioner.matrix(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 3, 4))));
    assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
    LeastSquaresProblem p = new LeastSquaresProblem(new double[][] {{1, 0.5}, {-0.3, 2}, {0.7, 0.1}},
        new double[] {0.4, -1, 2}, new double[] {0.2, -0.6});
    TruncatedGradientDescent wrongSize = new TruncatedGradientDescent(1,
        Preconditioner.matrix(Tensor.constant(Nd4j.eye(3).castTo(DataType.DOUBLE))), GradientOrder.FIRST);
    e = assertThrows(IllegalArgumentException.class,
        () -> wrongSize.adapt(p.thetaParams(), p.data(), p.likelihood(), 1));
    assertTrue(e.getMessage().contains("3x3") && e.getMessage().contains("2 elements"), e.getMessage());
    TruncatedGradientDescent wrongType = new TruncatedGradientDescent(1,
        Preconditioner.matrix(Tensor.constant(Nd4j.eye(2).castTo(DataType.FLOAT))), GradientOrder.FIRST);
    e = assertThrows(IllegalArgumentException.class,
        () -> wrongType.adapt(p.thetaParams(), p.data(), p.likelihood(), 1));
    assertTrue(e.getMessage().contains("FLOAT") && e.getMessage().contains("DOUBLE"), e.getMessage());
    TruncatedGradientDescent scalarPrior = tgd.withPrior(theta -> phi -> Ops.sum(phi.get(LeastSquaresProblem.W),
        false), 1.0);
    e = assertThrows(IllegalArgumentException.class,
        () -> scalarPrior.adapt(p.thetaParams(), p.data(), p.likelihood(), 1));
    assertTrue(e.getMessage().contains("shape [1]") && e.getMessage().contains("[]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TruncatedGradientDescent(-1, 0.1, GradientOrder.FIRST));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
  }

  @Property(tries = 5, seed = "7")
  void proximalPrecisionIsValidated(@ForAll @DoubleRange(min = -5, max = 0) double bad) {
    TruncatedGradientDescent tgd = new TruncatedGradientDescent(1, 0.1, GradientOrder.FIRST);
    assertThrows(IllegalArgumentException.class, () -> tgd.withProximalTerm(bad));
  }
}
