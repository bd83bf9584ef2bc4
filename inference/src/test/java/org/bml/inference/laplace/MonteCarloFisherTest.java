package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.OutputDistribution;
import org.bml.inference.SampledCategorical;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Monte-Carlo Fisher of {@link SampledCategorical} (Martens &amp; Grosse 2015 §5) against the
 * exact Fisher factor of {@link OutputDistribution#categorical}, on a softmax MLP 2-4-3 in float64.
 *
 * <p>Statistical check: N = 2,000 single-sample estimates of K-FAC's G factors (seeds
 * {@value #SEED} + k, k &lt; N) — each an independent draw of X = Σ_i g_i g_iᵀ, g_i the
 * pre-activation gradient of log p(y_i | x_i) with y_i ~ p(y | x_i, φ) — must average to the exact G
 * entry by entry: |mean − exact| ≤ z · sd / √N with z = Φ⁻¹(1 − α / (2m)), α = {@value #ALPHA}
 * overall and a Bonferroni split over the m distinct (upper-triangle) entries of both layers' G. The
 * same check must reject the exact factor scaled by 1.25 (so it has the power to fail), and one
 * call with S = N samples (the estimator as LLAMA uses it) must pass it too.
 */
class MonteCarloFisherTest {
  static final long SEED = 20261204L;
  static final double ALPHA = 0.01;
  static final int N = 2000;

  private static Params mode(Mlp mlp) {
    Params init = mlp.init(7, DataType.DOUBLE);
    List<Tensor> out = new ArrayList<>();
    for (String n : init.names()) {
      long[] s = init.get(n).shape();
      long[] full = new long[s.length + 1];
      full[0] = 1;
      System.arraycopy(s, 0, full, 1, s.length);
      out.add(Tensor.constant(GradientCheck.uniform(31L * n.hashCode() + 3, -1.2, 1.2, full)));
    }
    return Params.of(init.names(), out);
  }

  private static Data support() {
    INDArray x = GradientCheck.uniform(11, -1.5, 1.5, 1, 6, 2);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 6, 3);
    for (int i = 0; i < 6; i++) {
      y.putScalar(new int[] {0, i, i % 3}, 1.0); // the observed labels: the Fisher does not use them
    }
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  // The G factors of all dense layers, upper triangles concatenated.
  private static double[] gFactors(ModelLikelihood ml, Params mode, Data d) {
    DenseNetwork net = (DenseNetwork) ml.model();
    List<Tensor[]> f = Curvatures.kfacFactors(ml, net, mode, d, false);
    List<Double> out = new ArrayList<>();
    for (Tensor[] layer : f) {
      double[][] g = layer[1].value().castTo(DataType.DOUBLE).slice(0).toDoubleMatrix();
      for (int i = 0; i < g.length; i++) {
        for (int j = i; j < g.length; j++) {
          out.add(g[i][j]);
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static ModelLikelihood ml(Mlp mlp, OutputDistribution out) {
    return new ModelLikelihood(DenseNetwork.mlp(mlp, Activation.TANH), out);
  }

  /** The entries that fail |estimate − expected| ≤ z·sd/√N (Bonferroni over the entries). */
  private static List<Integer> failing(double[] estimate, double[] expected, double[] sd) {
    int m = expected.length;
    double z = new NormalDistribution().inverseCumulativeProbability(1 - ALPHA / (2.0 * m));
    List<Integer> bad = new ArrayList<>();
    for (int e = 0; e < m; e++) {
      if (!(Math.abs(estimate[e] - expected[e]) <= z * sd[e] / Math.sqrt(N))) {
        bad.add(e);
      }
    }
    return bad;
  }

  @Test
  void monteCarloFactorAveragesToTheExactFisherFactor() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 4, 3);
    Params mode = mode(mlp);
    Data d = support();
    double[] exact = gFactors(ml(mlp, OutputDistribution.categorical()), mode, d);
    int m = exact.length;
    double[] sum = new double[m];
    double[] sumSq = new double[m];
    for (int k = 0; k < N; k++) {
      double[] x = gFactors(ml(mlp, new SampledCategorical(1, SEED + k)), mode, d);
      for (int e = 0; e < m; e++) {
        sum[e] += x[e];
        sumSq[e] += x[e] * x[e];
      }
    }
    double[] mean = new double[m];
    double[] sd = new double[m];
    for (int e = 0; e < m; e++) {
      mean[e] = sum[e] / N;
      sd[e] = Math.sqrt(Math.max(0, (sumSq[e] - N * mean[e] * mean[e]) / (N - 1)));
      assertTrue(sd[e] > 0, "entry " + e + " has no sampling variance: the labels are not being sampled");
    }
    assertEquals(List.of(), failing(mean, exact, sd), "entries outside the bound (alpha " + ALPHA + ", seed " + SEED
        + ")");

    // The check can fail: the exact factor scaled by 1.25 is rejected.
    double[] wrong = exact.clone();
    for (int e = 0; e < m; e++) {
      wrong[e] *= 1.25;
    }
    assertFalse(failing(mean, wrong, sd).isEmpty(), "a 25% too large Fisher factor passed the check");

    // One call with S = N samples per point, the estimator LLAMA's curvature uses, passes the same bound.
    double[] many = gFactors(ml(mlp, new SampledCategorical(N, SEED)), mode, d);
    assertEquals(List.of(), failing(many, exact, sd), "S = " + N + " in one call, entries outside the bound");
  }

  @Test
  void columnsAreTheSampledLabelsScoreAndDeterministicForTheSeed() {
    INDArray f = GradientCheck.uniform(5, -2, 2, 2, 3, 4);
    SampledCategorical mc = new SampledCategorical(3, 9);
    assertEquals(3, mc.factorRank(4));
    int[][][] y = mc.labels(f);
    assertArrayEquals(y[1][2], new SampledCategorical(3, 9).labels(f)[1][2]);
    for (int r = 0; r < 3; r++) {
      INDArray a = mc.factorColumn(f, r);
      INDArray b = mc.factorColumn(Tensor.constant(f), r).value();
      assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-15, "array and tensor columns differ");
      // c_r = (e_y − p)/√S sums to zero over the classes and is positive only at the sampled label.
      for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 3; i++) {
          double total = 0;
          for (int o = 0; o < 4; o++) {
            double c = a.getDouble(t, i, o);
            total += c;
            assertEquals(o == y[t][i][r], c > 0, "sign of column " + r + " at class " + o);
          }
          assertEquals(0.0, total, 1e-14);
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new SampledCategorical(0, 1));
  }
}
