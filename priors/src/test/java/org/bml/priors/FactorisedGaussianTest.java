package org.bml.priors;

import static org.bml.priors.Fixtures.flat;
import static org.bml.priors.Fixtures.flatTask;
import static org.bml.priors.Fixtures.layerShapes;
import static org.bml.priors.Fixtures.uniform;
import static org.bml.priors.Fixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Diagonal, isotropic and standard-normal priors: log densities against commons-math's normal
 * density, task axes, seeded reparameterised sampling, and the errors for bad input.
 */
class FactorisedGaussianTest {
  private static final double TOL = 1e-12;

  // Σ log N(φ_i; μ_i, σ_i²) by commons-math, over flat arrays.
  private static double oracle(double[] phi, double[] mu, double[] var) {
    double s = 0;
    for (int i = 0; i < phi.length; i++) {
      s += new NormalDistribution(null, mu[i], Math.sqrt(var[i])).logDensity(phi[i]);
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

  private static double[] filled(int n, double v) {
    double[] y = new double[n];
    java.util.Arrays.fill(y, v);
    return y;
  }

  @Test
  void diagonalLogDensityMatchesCommonsMath() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 1, false);
    Params logVar = uniform(layerShapes(), 0, -2, 1.5, 2, false);
    Params phi = uniform(layerShapes(), 0, -3, 3, 3, false);
    DiagonalGaussian p = new DiagonalGaussian(mu, logVar);
    Tensor lp = p.logDensity(phi);
    assertEquals(0, lp.rank(), "no task axis anywhere: a scalar");
    double expected = oracle(flat(phi), flat(mu), exp(flat(logVar)));
    assertEquals(expected, lp.item(), TOL * Math.abs(expected));
  }

  @Test
  void isotropicAndStandardNormalLogDensitiesMatchCommonsMath() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 4, false);
    Params phi = uniform(layerShapes(), 0, -3, 3, 5, false);
    double variance = 0.37;
    double iso = IsotropicGaussian.of(mu, variance).logDensity(phi).item();
    double expectedIso = oracle(flat(phi), flat(mu), filled(9, variance));
    assertEquals(expectedIso, iso, TOL * Math.abs(expectedIso));
    double std = StandardNormal.like(mu).logDensity(phi).item();
    double expectedStd = oracle(flat(phi), new double[9], filled(9, 1.0));
    assertEquals(expectedStd, std, TOL * Math.abs(expectedStd));
  }

  @Test
  void taskAxisOnPhiGivesOneValuePerTask() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 6, false);
    Params logVar = uniform(layerShapes(), 0, -1, 1, 7, false);
    Params phi = uniform(layerShapes(), 4, -2, 2, 8, false);
    Tensor lp = new DiagonalGaussian(mu, logVar).logDensity(phi);
    assertArrayEquals(new long[] {4}, lp.shape());
    for (int t = 0; t < 4; t++) {
      double expected = oracle(flatTask(phi, t), flat(mu), exp(flat(logVar)));
      assertEquals(expected, values(lp)[t], TOL * Math.abs(expected), "task " + t);
    }
  }

  @Test
  void perTaskPriorEvaluatesEachTaskUnderItsOwnPrior() {
    Params mu = uniform(layerShapes(), 3, -1, 1, 9, false);
    Params logVar = uniform(layerShapes(), 3, -1, 1, 10, false);
    Params shared = uniform(layerShapes(), 0, -2, 2, 11, false);
    DiagonalGaussian p = DiagonalGaussian.perTask(mu, logVar);
    assertEquals(3, p.tasks());
    assertArrayEquals(new long[] {2, 3}, p.parameterShapes().get("w"));
    Tensor lp = p.logDensity(shared);
    assertArrayEquals(new long[] {3}, lp.shape());
    for (int t = 0; t < 3; t++) {
      double expected = oracle(flat(shared), flatTask(mu, t), exp(flatTask(logVar, t)));
      assertEquals(expected, values(lp)[t], TOL * Math.abs(expected), "task " + t);
    }
    Params wrongTasks = uniform(layerShapes(), 5, -2, 2, 12, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(wrongTasks));
    assertTrue(e.getMessage().contains("5 tasks") && e.getMessage().contains("3"), e.getMessage());
  }

  @Test
  void scalarParametersWorkWithAndWithoutTaskAxis() {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    s.put("log_gamma", new long[0]);
    Params mu = uniform(s, 0, -1, 1, 13, false);
    IsotropicGaussian p = IsotropicGaussian.of(mu, 2.0);
    Params one = uniform(s, 0, -1, 1, 14, false);
    assertEquals(oracle(flat(one), flat(mu), new double[] {2.0}), p.logDensity(one).item(), TOL);
    Params many = uniform(s, 5, -1, 1, 15, false);
    Tensor lp = p.logDensity(many);
    assertArrayEquals(new long[] {5}, lp.shape());
    assertEquals(oracle(new double[] {values(many.get("log_gamma"))[2]}, flat(mu), new double[] {2.0}),
        values(lp)[2], TOL);
  }

  @Test
  void gradientsFlowToMeanAndLogVariance() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 16, true);
    Tensor logVar = Tensor.variable(Nd4j.scalar(0.3));
    Params phi = uniform(layerShapes(), 0, -2, 2, 17, false);
    Tensor lp = new IsotropicGaussian(mu, logVar).logDensity(phi);
    List<Tensor> g = Autodiff.grad(lp, List.of(mu.get("b"), logVar), false);
    // ∂/∂μ log N = (φ − μ)/σ²; ∂/∂ log σ² = Σ[−½ + ½ (φ − μ)² / σ²].
    double var = Math.exp(0.3);
    double[] pb = values(phi.get("b"));
    double[] mb = values(mu.get("b"));
    for (int i = 0; i < 3; i++) {
      assertEquals((pb[i] - mb[i]) / var, values(g.get(0))[i], 1e-12);
    }
    double[] pf = flat(phi);
    double[] mf = flat(mu);
    double dlv = 0;
    for (int i = 0; i < pf.length; i++) {
      dlv += -0.5 + 0.5 * (pf[i] - mf[i]) * (pf[i] - mf[i]) / var;
    }
    assertEquals(dlv, g.get(1).item(), 1e-12);
  }

  @Test
  void samplesAreSeededAndHaveTheRightMoments() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 18, false);
    Params logVar = uniform(layerShapes(), 0, -1, 1, 19, false);
    DiagonalGaussian p = new DiagonalGaussian(mu, logVar);
    assertArrayEquals(flat(p.sample(42)), flat(p.sample(42)), 0.0, "same seed, same draw");
    assertFalse(java.util.Arrays.equals(flat(p.sample(42)), flat(p.sample(43))), "another seed, another draw");
    int n = 20000;
    Params draws = p.sample(n, 7);
    assertArrayEquals(new long[] {n, 2, 3}, draws.get("w").shape());
    double[] m = flat(mu);
    double[] v = exp(flat(logVar));
    double[][] perTask = Fixtures.perTask(draws);
    for (int i = 0; i < m.length; i++) {
      double sum = 0;
      double sq = 0;
      for (int t = 0; t < n; t++) {
        sum += perTask[t][i];
        sq += (perTask[t][i] - m[i]) * (perTask[t][i] - m[i]);
      }
      double sd = Math.sqrt(v[i]);
      // 5 standard errors: mean SE σ/√n, variance SE σ²√(2/n).
      assertEquals(m[i], sum / n, 5 * sd / Math.sqrt(n), "mean of element " + i);
      assertEquals(v[i], sq / n, 5 * v[i] * Math.sqrt(2.0 / n), "variance of element " + i);
    }
  }

  @Test
  void samplesAreReparameterised() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 20, true);
    Params logVar = uniform(layerShapes(), 0, -1, 1, 21, true);
    DiagonalGaussian p = new DiagonalGaussian(mu, logVar);
    Params draw = p.sample(3, 99);
    Tensor total = Ops.sum(draw.get("w"), false);
    List<Tensor> g = Autodiff.grad(total, List.of(mu.get("w"), logVar.get("w")), false);
    // d/dμ Σ_t (μ + σ ε_t) = T; d/d log σ² = Σ_t ½ σ ε_t = ½ Σ_t (x_t − μ).
    for (double x : values(g.get(0))) {
      assertEquals(3.0, x, 1e-12);
    }
    double[] w = values(draw.get("w"));
    double[] m = values(mu.get("w"));
    double[] dlv = values(g.get(1));
    for (int i = 0; i < 6; i++) {
      double expected = 0;
      for (int t = 0; t < 3; t++) {
        expected += 0.5 * (w[t * 6 + i] - m[i]);
      }
      assertEquals(expected, dlv[i], 1e-12);
    }
  }

  @Test
  void badInputIsRejectedWithTheOffendingValue() {
    Params mu = uniform(layerShapes(), 0, -1, 1, 22, false);
    Params negative = mu.map(t -> Ops.addScalar(Ops.mulScalar(t, 0), -0.5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DiagonalGaussian.fromVariances(mu, negative));
    assertTrue(e.getMessage().contains("positive") && e.getMessage().contains("-0.5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> IsotropicGaussian.of(mu, 0.0));
    assertTrue(e.getMessage().contains("0.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> IsotropicGaussian.of(mu, Double.NaN));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    Params nanLogVar = mu.with("b", Tensor.constant(Nd4j.createFromArray(0.0, Double.NaN, 0.0)));
    e = assertThrows(IllegalArgumentException.class, () -> new DiagonalGaussian(mu, nanLogVar));
    assertTrue(e.getMessage().contains("non-finite value NaN at flat index 1") && e.getMessage().contains("'b'"),
        e.getMessage());

    LinkedHashMap<String, long[]> other = new LinkedHashMap<>();
    other.put("w", new long[] {3, 2});
    other.put("b", new long[] {3});
    Params wrongShape = uniform(other, 0, -1, 1, 23, false);
    e = assertThrows(IllegalArgumentException.class, () -> new DiagonalGaussian(mu, wrongShape));
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("[3, 2]"), e.getMessage());

    DiagonalGaussian p = new DiagonalGaussian(mu, mu.map(t -> Ops.mulScalar(t, 0)));
    e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(wrongShape));
    assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    Params renamed = Params.of(List.of("v", "b"), List.of(mu.get("w"), mu.get("b")));
    e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(renamed));
    assertTrue(e.getMessage().contains("[v, b]"), e.getMessage());
    Params floats = mu.map(t -> Tensor.constant(t.value().castTo(DataType.FLOAT)));
    e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(floats));
    assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
    Params mixed = Params.of(List.of("w", "b"),
        List.of(uniform(layerShapes(), 2, 0, 1, 24, false).get("w"), mu.get("b")));
    e = assertThrows(IllegalArgumentException.class, () -> p.logDensity(mixed));
    assertTrue(e.getMessage().contains("task axis"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> p.sample(0, 1));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new IsotropicGaussian(mu, Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2))));
    assertTrue(e.getMessage().contains("one value"), e.getMessage());
  }
}
