package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.LinearGaussianFixture;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.OutputDistribution;
import org.bml.inference.PriorFamily;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Replacing the isotropic prior precision of a Laplace posterior after the fact (LLAMA's
 * predictive prior rules): the result equals the posterior built with the new λ, for every
 * curvature; and the evidence rule's λ is the stationary point of the Laplace evidence at the mode.
 */
class LaplacePriorPrecisionTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 3, 2);

  private static LaplacePosterior kfac(double lambda, Damping damping) {
    Params mode = MLP.init(5, DataType.DOUBLE).map(t -> Tensor.constant(t.value().reshape(prepend(t.shape()))));
    Data d = new Data(Tensor.constant(GradientCheck.uniform(3, -1, 1, 1, 6, 2)),
        Tensor.constant(GradientCheck.uniform(4, -1, 1, 1, 6, 2)));
    return new Laplace(new ModelLikelihood(DenseNetwork.mlp(MLP, Activation.TANH), OutputDistribution.gaussian(0.5)),
        PriorFamily.isotropic(1 / lambda), Curvature.KFAC, damping).at(MLP.init(1, DataType.DOUBLE), mode, d);
  }

  private static LaplacePosterior fixture(Curvature c, double lambda) {
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 11);
    return new Laplace(f.logLikelihood(), PriorFamily.isotropic(1 / lambda), c, Damping.none())
        .at(f.thetaParams(), f.exactModes(), f.support);
  }

  private static void assertSamePrecision(LaplacePosterior expected, LaplacePosterior actual, String what) {
    for (int t = 0; t < expected.tasks(); t++) {
      double[][] a = expected.precision(t);
      double[][] b = actual.precision(t);
      double scale = 0;
      for (double[] row : a) {
        for (double v : row) {
          scale = Math.max(scale, Math.abs(v));
        }
      }
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < a.length; j++) {
          assertEquals(a[i][j], b[i][j], 1e-11 * scale, what + " task " + t + " entry " + i + "," + j);
        }
      }
    }
  }

  @Test
  void replacingLambdaEqualsBuildingWithIt() {
    for (Curvature c : new Curvature[] {Curvature.EXACT_HESSIAN, Curvature.DIAGONAL_GGN}) {
      LaplacePosterior loose = fixture(c, 0.5);
      double[] tight = new double[loose.tasks()];
      java.util.Arrays.fill(tight, 40.0);
      assertSamePrecision(fixture(c, 40.0), loose.withPriorPrecision(0.5, tight), c.toString());
    }
    LaplacePosterior loose = kfac(0.5, Damping.always(1e-3));
    LaplacePosterior moved = loose.withPriorPrecision(0.5, new double[] {40.0});
    assertSamePrecision(kfac(40.0, Damping.always(1e-3)), moved, "KFAC, damped");
    assertEquals(kfac(40.0, Damping.always(1e-3)).logDetPrecision()[0], moved.logDetPrecision()[0], 1e-9);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> moved.objective(1.0));
    assertTrue(e.getMessage().contains("sampling only"), e.getMessage());
  }

  // E(λ) = −(λ/2) ‖φ̂ − θ‖² + (P/2) log λ − ½ log det (H + λI): the λ-dependent part of the Laplace
  // evidence at a fixed mode; the rule's λ must be its maximum (central difference ≈ 0, both sides lower).
  @Test
  void evidenceRuleMaximisesTheLaplaceEvidenceAtTheMode() {
    for (Curvature c : new Curvature[] {Curvature.EXACT_HESSIAN, Curvature.DIAGONAL_GGN}) {
      LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 11);
      LaplacePosterior q = fixture(c, 1.0);
      double[] best = q.evidencePriorPrecision(f.thetaParams(), 1.0);
      double[] d2 = q.displacementSquared(f.thetaParams());
      for (int t = 0; t < q.tasks(); t++) {
        int task = t;
        java.util.function.DoubleUnaryOperator evidence = lambda -> {
          double[] l = new double[q.tasks()];
          java.util.Arrays.fill(l, lambda);
          return -0.5 * lambda * d2[task] + 0.5 * q.dimension() * Math.log(lambda)
              - 0.5 * q.withPriorPrecision(1.0, l).logDetPrecision()[task];
        };
        double l = best[t];
        assertTrue(l > 1e-8 && l < 1e12, c + " task " + t + ": interior λ, got " + l);
        double h = 1e-4 * l;
        double slope = (evidence.applyAsDouble(l + h) - evidence.applyAsDouble(l - h)) / (2 * h);
        assertEquals(0.0, slope * l, 1e-5 * q.dimension(), c + " task " + t + ": dE/dlog λ at the rule's λ");
        assertTrue(evidence.applyAsDouble(l) > evidence.applyAsDouble(l * 1.5), c + " task " + t + ": above");
        assertTrue(evidence.applyAsDouble(l) > evidence.applyAsDouble(l / 1.5), c + " task " + t + ": below");
        assertEquals(l * d2[t], q.effectiveParameters(t, 1.0, l), 1e-6 * q.dimension(), "λ ‖φ̂ − θ‖² = γ(λ)");
      }
    }
  }

  private static long[] prepend(long[] s) {
    long[] out = new long[s.length + 1];
    out[0] = 1;
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }
}
