package org.bml.inference.variational;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GaussianPrior;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LinearGaussianFixture;
import org.bml.inference.LogJointAscent;
import org.bml.inference.LogLikelihood;
import org.bml.inference.ParamLayout;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.IsotropicGaussian;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The amortized diagonal Gaussian: closed-form KL against numerical integration, the ELBO
 * estimator against its analytic value and its gradient against finite differences, and the
 * degenerate case σ → 0 (MAP). Float64; tolerances and seeds in each test.
 */
class AmortizedGaussianTest {
  private static final String W = LinearGaussianFixture.W;

  @Test
  void klMatchesNumericalIntegrationAndTheFullCovarianceKl() {
    // 1-d pairs against ∫ q log(q/p) (commons-math3 Gauss-Legendre, relative 1e-12), tolerance 1e-9.
    double[][] pairs = {{0.3, 0.5, -0.2, 1.3}, {-1.0, 2.0, 0.5, 0.4}, {0.0, 1.0, 0.0, 1.0}};
    for (double[] c : pairs) {
      NormalDistribution q = new NormalDistribution(c[0], c[1]);
      NormalDistribution p = new NormalDistribution(c[2], c[3]);
      double numeric = new IterativeLegendreGaussIntegrator(16, 1e-12, 1e-14).integrate(100_000,
          x -> q.density(x) * (q.logDensity(x) - p.logDensity(x)), c[0] - 14 * c[1], c[0] + 14 * c[1]);
      DiagonalGaussianPosterior q1 = new DiagonalGaussianPosterior(params(Nd4j.createFromArray(new double[][] {{c[0]}})),
          params(Nd4j.createFromArray(Math.log(c[1]))));
      double closed = q1.klTo(new GaussianPrior(params(Nd4j.createFromArray(c[2])),
          params(Nd4j.createFromArray(2 * Math.log(c[3]))))).item();
      assertEquals(numeric, closed, 1e-9, Arrays.toString(c));
    }
    // per task, summed over elements: equal to the full-covariance KL with diagonal L and Σ_p
    INDArray mu = GradientCheck.uniform(1, -1, 1, 2, 3, 1);
    INDArray logStd = GradientCheck.uniform(2, -1, 0.5, 3, 1);
    INDArray priorMean = GradientCheck.uniform(3, -1, 1, 3, 1);
    double[] priorVar = {0.5, 1.5, 2.0};
    DiagonalGaussianPosterior q = new DiagonalGaussianPosterior(params(mu), params(logStd));
    GaussianPrior p = new GaussianPrior(params(priorMean),
        params(Nd4j.createFromArray(Math.log(0.5), Math.log(1.5), Math.log(2.0)).reshape(3, 1)));
    double[] kl = q.klTo(p).value().toDoubleVector();
    ParamLayout layout = ParamLayout.ofLeadingAxis(q.mean());
    double[][] sigmaP = new double[3][3];
    for (int i = 0; i < 3; i++) {
      sigmaP[i][i] = priorVar[i];
    }
    CholeskyGaussian full = new CholeskyGaussian(layout, layout.flatten(q.mean()),
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 3)),
        Tensor.constant(Nd4j.vstack(logStd.reshape(1, 3), logStd.reshape(1, 3))));
    double[] klFull = full.klTo(Tensor.constant(priorMean.reshape(3)), sigmaP).value().toDoubleVector();
    assertArrayEquals(klFull, kl, 1e-12);
    // the priors module's Gaussians give the same KL (GaussianKl delegates to them)
    double[] viaPriors = q.klTo(new DiagonalGaussian(params(priorMean),
        params(Nd4j.createFromArray(Math.log(0.5), Math.log(1.5), Math.log(2.0)).reshape(3, 1)))).value().toDoubleVector();
    assertArrayEquals(kl, viaPriors, 0.0);
    double[] iso = q.klTo(IsotropicGaussian.of(params(priorMean), 1.5)).value().toDoubleVector();
    double[] isoHere = q.klTo(GaussianPrior.isotropic(params(priorMean), 1.5)).value().toDoubleVector();
    assertArrayEquals(isoHere, iso, 1e-14);
    // KL(q ‖ q) = 0
    GaussianPrior self = new GaussianPrior(q.mean(), params(logStd.mul(2)));
    assertArrayEquals(new double[] {0, 0}, q.klTo(self).value().toDoubleVector(), 1e-15);
  }

  @Test
  void theMonteCarloExpectedLogLikelihoodMatchesItsAnalyticValue() {
    // y = Xφ + ε: E_q log p(D|φ) = −(n/2) log 2πσ² − (‖y − Xμ‖² + Σ_j (Σ_i x_ij²) s_j²)/(2σ²).
    // S = 1000 draws (seed 2024): within 5 standard errors of the per-draw values.
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 5);
    double s = 0.2;
    DiagonalGaussianPosterior q = new DiagonalGaussianPosterior(f.exactModes(),
        params(Nd4j.valueArrayOf(new long[] {3, 1}, Math.log(s), DataType.DOUBLE)));
    LogLikelihood ll = f.logLikelihood();
    int draws = 1000;
    List<Params> phis = q.sample(draws, 2024);
    double[][] values = new double[draws][];
    for (int k = 0; k < draws; k++) {
      values[k] = ll.perTask(phis.get(k), f.support).value().toDoubleVector();
    }
    double[] estimate = Elbo.expectedLogLikelihood(q, ll, f.support, draws, 2024).value().toDoubleVector();
    for (int t = 0; t < f.tasks(); t++) {
      double mean = 0;
      for (double[] v : values) {
        mean += v[t] / draws;
      }
      double var = 0;
      for (double[] v : values) {
        var += (v[t] - mean) * (v[t] - mean) / (draws - 1);
      }
      assertEquals(mean, estimate[t], 1e-9 * Math.abs(mean));
      double[][] x = f.supportX(t).toDoubleMatrix();
      double[] y = f.supportY(t).dup().reshape(-1).toDoubleVector();
      double[] mu = f.posterior(t).mean();
      double sq = 0;
      double tr = 0;
      for (int i = 0; i < x.length; i++) {
        double r = y[i];
        for (int j = 0; j < 3; j++) {
          r -= x[i][j] * mu[j];
          tr += x[i][j] * x[i][j] * s * s;
        }
        sq += r * r;
      }
      double sigma2 = f.noiseStd * f.noiseStd;
      double analytic = -0.5 * x.length * Math.log(2 * Math.PI * sigma2) - (sq + tr) / (2 * sigma2);
      assertEquals(analytic, estimate[t], 5 * Math.sqrt(var / draws), "task " + t);
    }
  }

  private static double elboGradientError(GradientOrder order) {
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    Params init = mlp.init(3, DataType.DOUBLE);
    List<String> names = init.names();
    Data d = new Data(Tensor.constant(GradientCheck.uniform(5, -2, 2, 2, 5, 1)),
        Tensor.constant(GradientCheck.uniform(6, -1, 1, 2, 5, 1)));
    List<INDArray> at = new ArrayList<>();
    for (String n : names) {
      at.add(init.get(n).value());
    }
    for (String n : names) {
      at.add(GradientCheck.uniform(n.hashCode(), -2, -1, init.get(n).shape()));
    }
    for (String n : names) {
      at.add(GradientCheck.uniform(n.hashCode() + 1, -1, 0, init.get(n).shape()));
    }
    int k = names.size();
    Function<List<Tensor>, Tensor> elbo = vars -> {
      Params theta = Params.of(names, vars.subList(0, k));
      Params logStd = Params.of(names, vars.subList(k, 2 * k));
      Params priorLogVar = Params.of(names, vars.subList(2 * k, 3 * k));
      AmortizedGaussian strategy = new AmortizedGaussian(new TruncatedGradientDescent(2, 0.1, order), logStd);
      DiagonalGaussianPosterior q = strategy.infer(theta, d, Likelihood.meanSquaredError(mlp));
      return Ops.sum(Elbo.estimate(q, new GaussianPrior(theta, priorLogVar), LogLikelihood.gaussian(mlp, 0.5), d, 3, 7),
          false);
    };
    return GradientCheck.gradientError(elbo, at, 1e-6);
  }

  @Test
  void theElboGradientInThetaLogSigmaAndThePriorMatchesFiniteDifferences() {
    // Through PLATIPUS's mean (2 recorded gradient steps), 3 reparameterised draws (seed 7), the closed-form KL.
    double err = elboGradientError(GradientOrder.SECOND);
    assertTrue(err <= 1e-7, "relative error " + err);
    // The same check fails when the inner steps are first order (their Hessian terms dropped).
    double first = elboGradientError(GradientOrder.FIRST);
    assertTrue(first > 1e-3, "first-order error " + first);
  }

  @Test
  void asSigmaGoesToZeroTheVariationalObjectiveIsTheMapObjective() {
    // With σ = 1e-9 the ELBO in μ is log p(D|μ) + log p(μ|θ) + a constant in μ, its gradient is the
    // MAP gradient, and ascending it reaches the MAP (the posterior mean of a linear-Gaussian task).
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 20, 3, 9);
    Params theta = f.thetaParams().detach();
    GaussianPrior prior = GaussianPrior.isotropic(theta, 1.0);
    LogLikelihood ll = f.logLikelihood();
    Params tiny = params(Nd4j.valueArrayOf(new long[] {3, 1}, Math.log(1e-9), DataType.DOUBLE));
    Params start = theta.expand(f.tasks()).detach();
    Params exact = f.exactModes();
    double[] gap1 = gap(start, tiny, prior, ll, f);
    double[] gap2 = gap(exact, tiny, prior, ll, f);
    for (int t = 0; t < f.tasks(); t++) {
      assertEquals(gap1[t], gap2[t], 1e-6, "ELBO − log joint must not depend on μ (task " + t + ")");
    }
    Params mu = start.asVariables();
    double[] gElbo = Autodiff.grad(Ops.sum(Elbo.estimate(new DiagonalGaussianPosterior(mu, tiny), prior, ll, f.support,
        1, 3), false), mu.get(W), false).value().reshape(-1).toDoubleVector();
    double[] gMap = Autodiff.grad(Ops.sum(LogJointAscent.logJoint(ll, prior, mu, f.support), false), mu.get(W), false)
        .value().reshape(-1).toDoubleVector();
    assertArrayEquals(gMap, gElbo, 1e-6 * Arrays.stream(gMap).map(Math::abs).max().orElse(1));
    for (int step = 0; step < 60; step++) {
      Params v = mu.asVariables();
      Tensor obj = Ops.sum(Elbo.estimate(new DiagonalGaussianPosterior(v, tiny), prior, ll, f.support, 1, step), false);
      Tensor g = Autodiff.grad(obj, v.get(W), false);
      mu = Params.of(List.of(W), List.of(Tensor.constant(v.get(W).value().add(g.value().mul(0.01)))));
    }
    for (int t = 0; t < f.tasks(); t++) {
      assertArrayEquals(f.posterior(t).mean(), mu.get(W).value().slice(t).dup().reshape(-1).toDoubleVector(), 1e-6);
    }
    // and the amortized posterior with σ → 0 draws its mode
    DiagonalGaussianPosterior q = new DiagonalGaussianPosterior(exact, tiny);
    assertArrayEquals(exact.get(W).value().reshape(-1).toDoubleVector(),
        q.sample(11).get(W).value().reshape(-1).toDoubleVector(), 1e-8);
    // with σ = 0.3 the gap depends on μ: the degenerate identity needs σ → 0
    Params wide = params(Nd4j.valueArrayOf(new long[] {3, 1}, Math.log(0.3), DataType.DOUBLE));
    double[] w1 = gap(start, wide, prior, ll, f);
    double[] w2 = gap(exact, wide, prior, ll, f);
    assertTrue(Math.abs(w1[0] - w2[0]) > 1e-3, "gap difference " + Math.abs(w1[0] - w2[0]));
  }

  private static double[] gap(Params mu, Params logStd, GaussianPrior prior, LogLikelihood ll, LinearGaussianFixture f) {
    Tensor e = Elbo.estimate(new DiagonalGaussianPosterior(mu, logStd), prior, ll, f.support, 1, 3);
    Tensor j = LogJointAscent.logJoint(ll, prior, mu, f.support);
    return Ops.sub(e, j).value().toDoubleVector();
  }

  @Test
  void reparameterisedDrawsAreSeededAndHaveTheRightMoments() {
    // 2000 draws (seeds from 77): mean within 5 SE σ/√S, variance within 5 SE σ²√(2/S).
    Params mean = params(Nd4j.createFromArray(new double[] {1.0, -2.0}).reshape(1, 2));
    Params logStd = params(Nd4j.createFromArray(new double[] {Math.log(0.5), Math.log(2.0)}));
    DiagonalGaussianPosterior q = new DiagonalGaussianPosterior(mean, logStd);
    assertArrayEquals(q.sample(4).get(W).value().toDoubleVector(), q.sample(4).get(W).value().toDoubleVector(), 0.0);
    assertFalse(Arrays.equals(q.sample(4).get(W).value().toDoubleVector(), q.sample(5).get(W).value().toDoubleVector()));
    int draws = 2000;
    double[] sum = new double[2];
    double[] sq = new double[2];
    for (Params p : q.sample(draws, 77)) {
      double[] v = p.get(W).value().reshape(-1).toDoubleVector();
      for (int i = 0; i < 2; i++) {
        sum[i] += v[i];
        sq[i] += v[i] * v[i];
      }
    }
    double[] mu = {1.0, -2.0};
    double[] sd = {0.5, 2.0};
    for (int i = 0; i < 2; i++) {
      double m = sum[i] / draws;
      double var = sq[i] / draws - m * m;
      assertEquals(mu[i], m, 5 * sd[i] / Math.sqrt(draws));
      assertEquals(sd[i] * sd[i], var, 5 * sd[i] * sd[i] * Math.sqrt(2.0 / draws));
    }
    // closed forms: H(q) = Σ log σ + (P/2) log 2πe and log q(μ) = −Σ log σ − (P/2) log 2π
    double h = q.entropy().item();
    assertEquals(Math.log(0.5) + Math.log(2.0) + Math.log(2 * Math.PI) + 1, h, 1e-12);
    assertEquals(-(Math.log(0.5) + Math.log(2.0) + Math.log(2 * Math.PI)), q.logDensity(mean).item(), 1e-12);
  }

  @Test
  void constructorsAndArgumentsAreValidated() {
    Params mean = params(Nd4j.zeros(DataType.DOUBLE, 2, 3, 1));
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> new DiagonalGaussianPosterior(mean, params(Nd4j.zeros(DataType.DOUBLE, 3))));
    assertTrue(shape.getMessage().contains("log-std"), shape.getMessage());
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> new DiagonalGaussianPosterior(mean, params(Nd4j.valueArrayOf(new long[] {3, 1}, Double.NaN, DataType.DOUBLE))));
    assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
    IllegalArgumentException names = assertThrows(IllegalArgumentException.class, () -> new DiagonalGaussianPosterior(
        mean, Params.of(List.of("other"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 3, 1))))));
    assertTrue(names.getMessage().contains("different parameters"), names.getMessage());
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 5);
    AmortizedGaussian wrong = new AmortizedGaussian(new TruncatedGradientDescent(1, 0.1, GradientOrder.FIRST),
        params(Nd4j.zeros(DataType.DOUBLE, 2, 1)));
    IllegalArgumentException structure = assertThrows(IllegalArgumentException.class,
        () -> wrong.infer(f.thetaParams(), f.support, Likelihood.meanSquaredError(f.model)));
    assertTrue(structure.getMessage().contains("θ's names and shapes"), structure.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AmortizedGaussian(null, params(Nd4j.zeros(3, 1))));
    DiagonalGaussianPosterior q = new DiagonalGaussianPosterior(mean, params(Nd4j.zeros(DataType.DOUBLE, 3, 1)));
    assertThrows(IllegalArgumentException.class, () -> Elbo.estimate(q, GaussianPrior.isotropic(f.thetaParams(), 1),
        f.logLikelihood(), f.support, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> GaussianPrior.isotropic(f.thetaParams(), -1));
    assertThrows(IllegalArgumentException.class, () -> CholeskyGaussian.isotropic(f.exactModes(), 0));
    CholeskyGaussian c = CholeskyGaussian.isotropic(f.exactModes(), 1);
    IllegalArgumentException spd = assertThrows(IllegalArgumentException.class,
        () -> c.klTo(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 3)), new double[][] {{1, 2, 0}, {2, 1, 0}, {0, 0, 1}}));
    assertTrue(spd.getMessage().contains("positive definite"), spd.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CholeskyGaussian(c.layout(), c.mean(),
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 2)), c.logDiagonal()));
  }

  private static Params params(INDArray w) {
    return Params.of(List.of(W), List.of(Tensor.constant(w)));
  }
}
