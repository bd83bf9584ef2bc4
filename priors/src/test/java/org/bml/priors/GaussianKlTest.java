package org.bml.priors;

import static org.bml.priors.Fixtures.flat;
import static org.bml.priors.Fixtures.flatTask;
import static org.bml.priors.Fixtures.layerShapes;
import static org.bml.priors.Fixtures.uniform;
import static org.bml.priors.Fixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The closed-form KL between diagonal Gaussians: against numerical integration of
 * ∫ q log(q/p) (commons-math), a seeded Monte-Carlo estimate, finite differences for its
 * gradient, and its shape and structure rules.
 */
class GaussianKlTest {

  // ∫ q log(q/p) over μ_q ± 12 σ_q for one element, by Gauss–Legendre quadrature.
  private static double integratedKl(double mq, double vq, double mp, double vp) {
    NormalDistribution q = new NormalDistribution(null, mq, Math.sqrt(vq));
    NormalDistribution p = new NormalDistribution(null, mp, Math.sqrt(vp));
    IterativeLegendreGaussIntegrator integrator = new IterativeLegendreGaussIntegrator(32, 1e-13, 1e-15);
    double half = 12 * Math.sqrt(vq);
    return integrator.integrate(1_000_000, x -> q.density(x) * (q.logDensity(x) - p.logDensity(x)), mq - half,
        mq + half);
  }

  private static double integratedKl(double[] mq, double[] vq, double[] mp, double[] vp) {
    double s = 0;
    for (int i = 0; i < mq.length; i++) {
      s += integratedKl(mq[i], vq[i], mp[i], vp[i]);
    }
    return s;
  }

  private static double[] exp(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.exp(x[i]);
    }
    return y;
  }

  @Test
  void diagonalKlMatchesNumericalIntegration() {
    Params mq = uniform(layerShapes(), 0, -1, 1, 1, false);
    Params lq = uniform(layerShapes(), 0, -1.5, 1, 2, false);
    Params mp = uniform(layerShapes(), 0, -1, 1, 3, false);
    Params lp = uniform(layerShapes(), 0, -1, 1.5, 4, false);
    Tensor kl = new DiagonalGaussian(mq, lq).klDivergence(new DiagonalGaussian(mp, lp));
    double expected = integratedKl(flat(mq), exp(flat(lq)), flat(mp), exp(flat(lp)));
    assertEquals(0, kl.rank());
    assertEquals(expected, kl.item(), 1e-9 * expected, "closed form vs quadrature (relative 1e-9)");
  }

  @Test
  void klToTheStandardNormalMatchesNumericalIntegration() {
    Params mq = uniform(layerShapes(), 0, -1, 1, 5, false);
    Tensor logVar = Fixtures.scalar(-0.7);
    IsotropicGaussian q = new IsotropicGaussian(mq, logVar);
    Optional<Tensor> kl = q.klDivergenceTo(StandardNormal.like(mq));
    assertTrue(kl.isPresent(), "Gaussian to Gaussian has a closed form");
    double[] vq = new double[9];
    java.util.Arrays.fill(vq, Math.exp(-0.7));
    double[] ones = new double[9];
    java.util.Arrays.fill(ones, 1.0);
    double expected = integratedKl(flat(mq), vq, new double[9], ones);
    assertEquals(expected, kl.get().item(), 1e-9 * expected);
  }

  @Test
  void klMatchesASeededMonteCarloEstimate() {
    // E_q[log q(φ) − log p(φ)] from the priors' own sampling and log densities: 200 000 draws
    // (seed 2024); the tolerance is 5 standard errors of the estimate, computed from the draws.
    Params mq = uniform(layerShapes(), 0, -0.5, 0.5, 6, false);
    Params lq = uniform(layerShapes(), 0, -1, 0, 7, false);
    Params mp = uniform(layerShapes(), 0, -0.5, 0.5, 8, false);
    Params lp = uniform(layerShapes(), 0, -0.5, 0.5, 9, false);
    DiagonalGaussian q = new DiagonalGaussian(mq, lq);
    DiagonalGaussian p = new DiagonalGaussian(mp, lp);
    int n = 200_000;
    Params draws = q.sample(n, 2024);
    double[] ratio = values(Ops.sub(q.logDensity(draws), p.logDensity(draws)));
    double mean = 0;
    for (double r : ratio) {
      mean += r / n;
    }
    double var = 0;
    for (double r : ratio) {
      var += (r - mean) * (r - mean) / (n - 1);
    }
    double se = Math.sqrt(var / n);
    double kl = q.klDivergence(p).item();
    assertEquals(kl, mean, 5 * se, "Monte-Carlo " + mean + " ± " + se + " vs closed form " + kl);
  }

  @Test
  void klIsZeroForIdenticalPriorsAndPositiveOtherwise() {
    Params m = uniform(layerShapes(), 0, -1, 1, 10, false);
    Params l = uniform(layerShapes(), 0, -1, 1, 11, false);
    DiagonalGaussian q = new DiagonalGaussian(m, l);
    assertEquals(0.0, q.klDivergence(q).item(), 1e-14);
    DiagonalGaussian shifted = new DiagonalGaussian(m.map(t -> Ops.addScalar(t, 1e-3)), l);
    assertTrue(q.klDivergence(shifted).item() > 0);
  }

  @Test
  void klGradientMatchesFiniteDifferences() {
    // Inputs: μ_q, log σ_q², μ_p, log σ_p² of a single [2, 3] parameter, all four differentiated.
    List<INDArray> at = List.of(
        GradientCheck.uniform(1, -1, 1, 2, 3), GradientCheck.uniform(2, -1, 1, 2, 3),
        GradientCheck.uniform(3, -1, 1, 2, 3), GradientCheck.uniform(4, -1, 1, 2, 3));
    double error = GradientCheck.gradientError(v -> {
      Params mq = Params.of(List.of("w"), List.of(v.get(0)));
      Params lq = Params.of(List.of("w"), List.of(v.get(1)));
      Params mp = Params.of(List.of("w"), List.of(v.get(2)));
      Params lp = Params.of(List.of("w"), List.of(v.get(3)));
      return new DiagonalGaussian(mq, lq).klDivergence(new DiagonalGaussian(mp, lp));
    }, at, 1e-6);
    assertTrue(error <= 1e-8, "relative gradient error " + error);
  }

  @Test
  void isotropicKlGradientMatchesFiniteDifferencesIncludingTheSharedLogVariance() {
    List<INDArray> at = List.of(GradientCheck.uniform(5, -1, 1, 4), org.nd4j.linalg.factory.Nd4j.scalar(0.3));
    double error = GradientCheck.gradientError(v -> {
      Params mq = Params.of(List.of("b"), List.of(v.get(0)));
      return new IsotropicGaussian(mq, v.get(1)).klDivergence(StandardNormal.like(mq));
    }, at, 1e-6);
    assertTrue(error <= 1e-8, "relative gradient error " + error);
  }

  @Test
  void perTaskPosteriorGivesOneKlPerTask() {
    Params mq = uniform(layerShapes(), 3, -1, 1, 12, false);
    Params lq = uniform(layerShapes(), 3, -1, 1, 13, false);
    Params mp = uniform(layerShapes(), 0, -1, 1, 14, false);
    Params lp = uniform(layerShapes(), 0, -1, 1, 15, false);
    Tensor kl = DiagonalGaussian.perTask(mq, lq).klDivergence(new DiagonalGaussian(mp, lp));
    assertArrayEquals(new long[] {3}, kl.shape());
    for (int t = 0; t < 3; t++) {
      double expected = integratedKl(flatTask(mq, t), exp(flatTask(lq, t)), flat(mp), exp(flat(lp)));
      assertEquals(expected, values(kl)[t], 1e-9 * expected, "task " + t);
    }
  }

  @Test
  void mismatchedStructuresAreRejected() {
    Params m = uniform(layerShapes(), 0, -1, 1, 16, false);
    DiagonalGaussian q = new DiagonalGaussian(m, m);
    LinkedHashMap<String, long[]> other = new LinkedHashMap<>();
    other.put("w", new long[] {2, 3});
    StandardNormal r = new StandardNormal(other, DataType.DOUBLE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.klDivergenceTo(r));
    assertTrue(e.getMessage().contains("structures differ") && e.getMessage().contains("b[3]"), e.getMessage());
    StandardNormal floats = new StandardNormal(layerShapes(), DataType.FLOAT);
    e = assertThrows(IllegalArgumentException.class, () -> q.klDivergence(floats));
    assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
    DiagonalGaussian three = DiagonalGaussian.perTask(uniform(layerShapes(), 3, 0, 1, 17, false),
        uniform(layerShapes(), 3, 0, 1, 18, false));
    DiagonalGaussian four = DiagonalGaussian.perTask(uniform(layerShapes(), 4, 0, 1, 19, false),
        uniform(layerShapes(), 4, 0, 1, 20, false));
    e = assertThrows(IllegalArgumentException.class, () -> three.klDivergence(four));
    assertTrue(e.getMessage().contains("3 tasks") && e.getMessage().contains("4"), e.getMessage());
    GammaPrecisionPrior gamma = new GammaPrecisionPrior(2, 1, layerShapes(), DataType.DOUBLE);
    assertTrue(q.klDivergenceTo(gamma).isEmpty(), "no closed form between a Gaussian and a Gamma prior");
  }
}
