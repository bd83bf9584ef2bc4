package org.bml.priors;

import static org.bml.priors.Fixtures.layerShapes;
import static org.bml.priors.Fixtures.uniform;
import static org.bml.priors.Fixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Gamma hyper-prior on log-precisions against commons-math's GammaDistribution (density with
 * the Jacobian of λ = e^s, sampling by a Kolmogorov–Smirnov test, KL by quadrature).
 */
class GammaPrecisionPriorTest {

  // commons-math parameterises by scale = 1/rate.
  private static GammaDistribution oracle(double shape, double rate) {
    return new GammaDistribution(null, shape, 1 / rate);
  }

  @Test
  void logDensityIsTheGammaDensityOfThePrecisionPlusTheJacobian() {
    double[][] cases = {{1.0, 0.1}, {2.5, 3.0}, {0.4, 1.7}};
    for (double[] c : cases) {
      GammaPrecisionPrior prior = new GammaPrecisionPrior(c[0], c[1], layerShapes(), DataType.DOUBLE);
      Params s = uniform(layerShapes(), 0, -3, 3, 7, false);
      double expected = 0;
      for (double x : Fixtures.flat(s)) {
        expected += oracle(c[0], c[1]).logDensity(Math.exp(x)) + x; // log |dλ/ds| = s
      }
      double got = prior.logDensity(s).item();
      assertEquals(expected, got, 1e-12 * Math.abs(expected), "Gamma(" + c[0] + ", " + c[1] + ")");
    }
  }

  @Test
  void logDensityIsPerTaskWithATaskAxisAndDifferentiable() {
    GammaPrecisionPrior prior = GammaPrecisionPrior.scalar(1.0, 0.1, "log_lambda", DataType.DOUBLE);
    Params s = uniform(prior.parameterShapes(), 4, -2, 2, 8, false);
    Tensor lp = prior.logDensity(s);
    assertArrayEquals(new long[] {4}, lp.shape());
    double x = values(s.get("log_lambda"))[1];
    assertEquals(oracle(1.0, 0.1).logDensity(Math.exp(x)) + x, values(lp)[1], 1e-12);
    List<INDArray> at = List.of(GradientCheck.uniform(3, -2, 2, 2, 3), GradientCheck.uniform(4, -2, 2, 3));
    GammaPrecisionPrior layer = new GammaPrecisionPrior(2.0, 0.5, layerShapes(), DataType.DOUBLE);
    double error = GradientCheck.gradientError(
        v -> layer.logDensity(Params.of(List.of("w", "b"), v)), at, 1e-6);
    assertTrue(error <= 1e-8, "relative gradient error " + error);
  }

  @Test
  void samplesFollowTheGammaDistribution() {
    KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
    double[][] cases = {{1.0, 0.1}, {3.0, 2.0}, {0.3, 1.0}};
    for (double[] c : cases) {
      GammaPrecisionPrior prior = GammaPrecisionPrior.scalar(c[0], c[1], "log_lambda", DataType.DOUBLE);
      double[] logLambda = values(prior.sample(5000, 31).get("log_lambda"));
      double[] lambda = new double[logLambda.length];
      for (int i = 0; i < lambda.length; i++) {
        lambda[i] = Math.exp(logLambda[i]);
      }
      // Fixed seed; a correct sampler passes at p > 1e-3 with probability 0.999.
      double p = ks.kolmogorovSmirnovTest(oracle(c[0], c[1]), lambda);
      assertTrue(p > 1e-3, "Gamma(" + c[0] + ", " + c[1] + "): KS p-value " + p);
    }
    GammaPrecisionPrior prior = GammaPrecisionPrior.scalar(2.0, 1.0, "g", DataType.DOUBLE);
    assertArrayEquals(values(prior.sample(9).get("g")), values(prior.sample(9).get("g")), 0.0);
  }

  @Test
  void klMatchesQuadratureAndScalesWithTheNumberOfElements() {
    double a1 = 2.5;
    double b1 = 1.5;
    double a2 = 1.2;
    double b2 = 0.4;
    GammaDistribution p1 = oracle(a1, b1);
    GammaDistribution p2 = oracle(a2, b2);
    // Over s = log λ, where the integrand is smooth: p_S(s) = p(e^s) e^s, and the Jacobians cancel
    // in the log ratio. Mass outside [−40, 5] is below 1e-16.
    double expected = new IterativeLegendreGaussIntegrator(32, 1e-12, 1e-15).integrate(1_000_000,
        s -> Math.exp(p1.logDensity(Math.exp(s)) + s) * (p1.logDensity(Math.exp(s)) - p2.logDensity(Math.exp(s))),
        -40, 5);
    GammaPrecisionPrior q = GammaPrecisionPrior.scalar(a1, b1, "g", DataType.DOUBLE);
    GammaPrecisionPrior r = GammaPrecisionPrior.scalar(a2, b2, "g", DataType.DOUBLE);
    assertEquals(expected, q.klDivergenceTo(r).orElseThrow().item(), 1e-9 * expected);
    GammaPrecisionPrior q9 = new GammaPrecisionPrior(a1, b1, layerShapes(), DataType.DOUBLE);
    GammaPrecisionPrior r9 = new GammaPrecisionPrior(a2, b2, layerShapes(), DataType.DOUBLE);
    assertEquals(9 * expected, q9.klDivergenceTo(r9).orElseThrow().item(), 1e-9 * expected);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.klDivergenceTo(r9));
    assertTrue(e.getMessage().contains("structures differ"), e.getMessage());
  }

  @Test
  void digammaIsAccurateToRoundingAcrossScales() {
    // Reference values from mpmath at 30 digits.
    double[][] cases = {{0.01, -100.56088545786867}, {0.3, -3.502524222200133}, {1.0, -0.57721566490153286},
        {2.5, 0.70315664064524319}, {9.99, 2.2507003728312011}, {49.0, 3.8815815101625861},
        {1e4, 9.2102903711428494}};
    for (double[] c : cases) {
      assertEquals(c[1], GammaPrecisionPrior.digamma(c[0]), 2e-15 * Math.max(1, Math.abs(c[1])), "ψ(" + c[0] + ")");
    }
  }

  @Test
  void badHyperParametersAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new GammaPrecisionPrior(0, 1, layerShapes(), DataType.DOUBLE));
    assertTrue(e.getMessage().contains("shape") && e.getMessage().contains("0.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new GammaPrecisionPrior(1, -2, layerShapes(), DataType.DOUBLE));
    assertTrue(e.getMessage().contains("rate") && e.getMessage().contains("-2.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new GammaPrecisionPrior(1, 1, layerShapes(), DataType.INT));
    assertTrue(e.getMessage().contains("INT"), e.getMessage());
  }
}
