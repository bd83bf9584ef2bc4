package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Params;
import org.bml.datasets.synthetic.LinearGaussianOracle;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LinearGaussianFixture;
import org.bml.inference.LogJointAscent;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.OutputDistribution;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.junit.jupiter.api.Test;

/**
 * Laplace is exact for linear-Gaussian tasks: evidence, covariance and the evidence's gradient in θ
 * against {@link LinearGaussianOracle}, float64. Tolerances: 1e-9 absolute on log evidences (values
 * of order 10), 1e-9 relative on covariances; 1e-6 relative for gradients against finite differences.
 */
class LaplaceOracleTest {
  private static final LinearGaussianFixture F = LinearGaussianFixture.correlated(42);

  private static Laplace laplace(Curvature c, PriorFamily prior) {
    return new Laplace(F.logLikelihood(), prior, c, Damping.none());
  }

  @Test
  void exactHessianEvidenceIsTheOracleLogMarginalLikelihood() {
    LaplacePosterior q = laplace(Curvature.EXACT_HESSIAN, F.fullCovariancePrior()).at(F.thetaParams(), F.exactModes(), F.support);
    double[] lml = q.logMarginalLikelihood().value().toDoubleVector();
    for (int t = 0; t < F.tasks(); t++) {
      assertEquals(F.logMarginal(t), lml[t], 1e-9, "task " + t);
      double[][] cov = F.posterior(t).covariance();
      double err = LinearGaussianFixture.maxAbsDiff(cov, q.covariance(t));
      assertTrue(err <= 1e-9 * LinearGaussianFixture.maxAbs(cov), "task " + t + " covariance error " + err);
      assertEquals(-lml[t], q.objective(1.0).value().getDouble(t), 0.0);
    }
  }

  @Test
  void theEvidenceAtAWrongModeOrWithADiagonalCurvatureIsNotTheOracle() {
    // The same check can fail: a shifted mode, or dropping XᵀX's off-diagonal entries, change the value.
    Params shifted = F.exactModes().map(t -> Tensor.constant(t.value().add(0.05)));
    LaplacePosterior off = laplace(Curvature.EXACT_HESSIAN, F.fullCovariancePrior()).at(F.thetaParams(), shifted, F.support);
    LaplacePosterior diag = laplace(Curvature.DIAGONAL_GGN, PriorFamily.isotropic(1.0))
        .at(F.thetaParams(), F.exactModes(), F.support);
    for (int t = 0; t < F.tasks(); t++) {
      assertTrue(Math.abs(off.logMarginalLikelihood().value().getDouble(t) - F.logMarginal(t)) > 1e-3);
    }
    LinearGaussianFixture iso = LinearGaussianFixture.isotropic(1.0, 3, 6, 3, 42);
    LaplacePosterior d2 = new Laplace(iso.logLikelihood(), PriorFamily.isotropic(1.0), Curvature.DIAGONAL_GGN,
        Damping.none()).at(iso.thetaParams(), iso.exactModes(), iso.support);
    for (int t = 0; t < iso.tasks(); t++) {
      assertTrue(Math.abs(d2.logMarginalLikelihood().value().getDouble(t) - iso.logMarginal(t)) > 1e-3);
    }
    assertEquals(F.tasks(), diag.tasks());
  }

  @Test
  void kfacIsExactForOneLinearOutputWithAnIsotropicPrior() {
    // One bias-free linear layer with one output: A ⊗ G = (XᵀX/n) ⊗ (n/σ²) = XᵀX/σ², the exact Hessian.
    LinearGaussianFixture iso = LinearGaussianFixture.isotropic(0.7, 3, 5, 2, 3);
    Laplace kfac = new Laplace(new ModelLikelihood(DenseNetwork.mlp(iso.model, Activation.IDENTITY),
        OutputDistribution.gaussian(iso.noiseStd)), PriorFamily.isotropic(0.7), Curvature.KFAC,
        Damping.none());
    LaplacePosterior q = kfac.at(iso.thetaParams(), iso.exactModes(), iso.support);
    for (int t = 0; t < iso.tasks(); t++) {
      assertEquals(iso.logMarginal(t), q.logMarginalLikelihood().value().getDouble(t), 1e-9, "task " + t);
      double[][] cov = iso.posterior(t).covariance();
      assertTrue(LinearGaussianFixture.maxAbsDiff(cov, q.covariance(t)) <= 1e-9 * LinearGaussianFixture.maxAbs(cov));
    }
  }

  @Test
  void diagonalGgnIsTheDiagonalOfTheExactPrecision() {
    // For a linear model the Gauss-Newton matrix is the Hessian: XᵀX/σ² + Σ⁻¹ (isotropic prior).
    LinearGaussianFixture iso = LinearGaussianFixture.isotropic(2.0, 3, 6, 3, 5);
    LaplacePosterior diag = new Laplace(iso.logLikelihood(), PriorFamily.isotropic(2.0), Curvature.DIAGONAL_GGN,
        Damping.none()).at(iso.thetaParams(), iso.exactModes(), iso.support);
    for (int t = 0; t < iso.tasks(); t++) {
      double[][] x = iso.supportX(t).toDoubleMatrix();
      double[][] h = diag.precision(t);
      for (int j = 0; j < 3; j++) {
        double xtx = 0;
        for (double[] row : x) {
          xtx += row[j] * row[j];
        }
        double expected = xtx / (iso.noiseStd * iso.noiseStd) + 1 / 2.0;
        assertEquals(expected, h[j][j], 1e-12 * expected, "task " + t + " entry " + j);
        for (int k = 0; k < 3; k++) {
          if (k != j) {
            assertEquals(0.0, h[j][k]);
          }
        }
      }
    }
  }

  @Test
  void theLaplaceEvidenceGradientInThetaIsTheOracleEvidenceGradient() {
    // At the exact mode, ∂/∂θ [log p(D|φ̂) + log p(φ̂|θ)] = Σ⁻¹(φ̂ − θ) = ∇_θ log p(D|θ) (H does not depend on θ).
    Laplace l = laplace(Curvature.EXACT_HESSIAN, F.fullCovariancePrior());
    Params theta = F.thetaParams();
    Tensor total = Ops.sum(l.at(theta, F.exactModes(), F.support).logMarginalLikelihood(), false);
    double[] g = Autodiff.grad(total, theta.get(LinearGaussianFixture.W), false).value().toDoubleVector();
    double eps = 1e-6;
    for (int i = 0; i < F.d; i++) {
      double[] plus = F.theta.clone();
      double[] minus = F.theta.clone();
      plus[i] += eps;
      minus[i] -= eps;
      double numeric = 0;
      for (int t = 0; t < F.tasks(); t++) {
        numeric += (new LinearGaussianOracle(plus, F.sigma, F.noiseStd).logMarginalLikelihood(F.supportX(t), F.supportY(t))
            - new LinearGaussianOracle(minus, F.sigma, F.noiseStd).logMarginalLikelihood(F.supportX(t), F.supportY(t)))
            / (2 * eps);
      }
      assertEquals(numeric, g[i], 1e-6 * Math.max(1, Math.abs(numeric)), "θ_" + i);
    }
  }

  @Test
  void withLogDetWeightZeroLaplaceIsMap() {
    // Mode from gradient ascent on the log joint (the MAP); objective(0) is the MAP objective −log p(D, φ̂).
    // 20 points: the posterior precisions' eigenvalues lie in [47, 147], so α = 0.01 contracts by ≤ 0.53 a step.
    LinearGaussianFixture iso = LinearGaussianFixture.isotropic(1.0, 3, 20, 3, 9);
    LogJointAscent map = new LogJointAscent(60, 0.01, GradientOrder.FIRST, iso.logLikelihood(), PriorFamily.isotropic(1.0));
    Laplace l = new Laplace(map, iso.logLikelihood(), PriorFamily.isotropic(1.0), Curvature.EXACT_HESSIAN, Damping.none());
    Params theta = iso.thetaParams().detach();
    LaplacePosterior q = l.infer(theta, iso.support, null);
    Params mapMode = map.adapt(theta, iso.support);
    assertArrayEquals(mapMode.get(LinearGaussianFixture.W).value().reshape(-1).toDoubleVector(),
        q.mode().get(LinearGaussianFixture.W).value().reshape(-1).toDoubleVector());
    double[] mapObjective = Ops.neg(LogJointAscent.logJoint(iso.logLikelihood(), PriorFamily.isotropic(1.0).given(theta),
        mapMode, iso.support)).value().toDoubleVector();
    assertArrayEquals(mapObjective, q.objective(0.0).value().toDoubleVector(), 0.0);
    double[] ld = q.logDetPrecision();
    for (int t = 0; t < iso.tasks(); t++) {
      // the MAP of a linear-Gaussian task is its posterior mean
      double[] mean = iso.posterior(t).mean();
      double[] got = q.mode().get(LinearGaussianFixture.W).value().slice(t).dup().reshape(-1).toDoubleVector();
      assertArrayEquals(mean, got, 1e-9);
      double w = 0.37;
      assertEquals(mapObjective[t] + w * (0.5 * ld[t] - 1.5 * Math.log(2 * Math.PI)),
          q.objective(w).value().getDouble(t), 1e-12 * Math.abs(mapObjective[t]) + 1e-12);
    }
  }

  @Test
  void theLlamaPipelineIsDifferentiableInTheta() {
    // LLAMA (Grant et al. 2018): φ̂(θ) = 3 recorded steps of MAML's inner loop, then the Laplace evidence.
    // For a linear model H does not depend on φ̂, so treating the curvature as a constant loses nothing
    // and the tape gradient must match central differences of the whole pipeline (relative 1e-7).
    LinearGaussianFixture iso = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 13);
    Laplace llama = new Laplace(new TruncatedGradientDescent(3, 0.05, GradientOrder.SECOND), iso.logLikelihood(),
        PriorFamily.isotropic(1.0), Curvature.EXACT_HESSIAN, Damping.none());
    Function<List<Tensor>, Tensor> evidence = vars -> Ops.sum(llama.infer(
        Params.of(List.of(LinearGaussianFixture.W), vars), iso.support, Likelihood.meanSquaredError(iso.model))
        .logMarginalLikelihood(), false);
    double err = GradientCheck.gradientError(evidence, List.of(iso.thetaParams().get(LinearGaussianFixture.W).value()),
        1e-6);
    assertTrue(err <= 1e-7, "relative error " + err);
  }
}
