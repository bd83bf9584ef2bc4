package org.bml.algorithms.learnedopt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The L2L Fig. 4 optimizee ({@link MlpClassification}) and the NAG baseline
 * ({@link HandDesigned#nesterov}): NAG's iterates are the classic look-ahead points of Sutskever et
 * al.'s form (1e-12 relative over 30 steps) and not heavy-ball momentum's; the MLP's loss is a
 * direct loop's sigmoid-network cross-entropy (1e-12), its gradient matches central differences in
 * float64, tasks are pure functions of (seed, j); bad sizes are refused.
 */
class MlpOptimizeeAndNagTest {
  @Test
  void nagIsTheLookAheadFormOfNesterov() {
    Quadratics problem = Quadratics.sample(3, 0, 4, 10, 0.5);
    double lr = 0.004;
    double mu = 0.9;
    INDArray[] nag = UpdateRule.trajectory(HandDesigned.nesterov(lr, mu), problem, 30);
    // Sutskever et al. 2013: ṽ ← μ ṽ − α ∇f(θ̃ + μ ṽ), θ̃ ← θ̃ + ṽ; compare at the look-ahead points.
    INDArray theta = problem.initial().dup();
    INDArray v = theta.mul(0);
    double worst = 0;
    double momentumGap = 0;
    INDArray[] heavy = UpdateRule.trajectory(HandDesigned.momentum(lr, mu), problem, 30);
    for (int t = 0; t <= 30; t++) {
      INDArray look = theta.add(v.mul(mu));
      worst = Math.max(worst, nag[t].sub(look).norm2Number().doubleValue() / look.norm2Number().doubleValue());
      momentumGap = Math.max(momentumGap, nag[t].sub(heavy[t]).norm2Number().doubleValue()
          / look.norm2Number().doubleValue());
      v = v.mul(mu).sub(problem.gradient(look).mul(lr));
      theta = theta.add(v);
    }
    System.out.printf("NAG vs classic look-ahead NAG: max relative deviation %.3g (vs momentum %.3g)%n", worst,
        momentumGap);
    assertTrue(worst < 1e-12, "NAG deviation " + worst);
    assertTrue(momentumGap > 1e-3, "NAG is not heavy-ball momentum: " + momentumGap);
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  @Test
  void mlpLossIsTheNetworksCrossEntropyAndTasksArePure() {
    MlpClassification p = MlpClassification.sample(5, 0, 3);
    assertEquals(20 * 20 + 20 + 200 + 10, p.dim());
    double[] losses = p.losses(Tensor.constant(p.initial())).value().toDoubleVector();
    int in = 20;
    int h = 20;
    int c = 10;
    for (int j = 0; j < 3; j++) {
      double[] th = p.initial().slice(j).reshape(-1).toDoubleVector();
      double total = 0;
      for (int i = 0; i < 128; i++) {
        double[] hidden = new double[h];
        for (int u = 0; u < h; u++) {
          double z = th[in * h + u];
          for (int k = 0; k < in; k++) {
            z += p.x().getDouble(j, i, k) * th[k * h + u];
          }
          hidden[u] = sigmoid(z);
        }
        double[] logits = new double[c];
        double max = Double.NEGATIVE_INFINITY;
        for (int o = 0; o < c; o++) {
          double z = th[in * h + h + h * c + o];
          for (int u = 0; u < h; u++) {
            z += hidden[u] * th[in * h + h + u * c + o];
          }
          logits[o] = z;
          max = Math.max(max, z);
        }
        double lse = 0;
        for (double z : logits) {
          lse += Math.exp(z - max);
        }
        lse = max + Math.log(lse);
        for (int o = 0; o < c; o++) {
          total -= p.y().getDouble(j, i, o) * (logits[o] - lse);
        }
      }
      assertEquals(total / 128, losses[j], 1e-12 * Math.abs(total / 128), "task " + j);
    }
    MlpClassification shifted = MlpClassification.sample(5, 2, 1);
    assertEquals(p.x().slice(2), shifted.x().slice(0));
    assertEquals(p.y().slice(2), shifted.y().slice(0));
    assertEquals(p.initial().slice(2), shifted.initial().slice(0));
    assertTrue(p.initial().slice(0).sub(p.initial().slice(1)).amaxNumber().doubleValue() > 0.01, "own init");
  }

  @Test
  void mlpGradientMatchesFiniteDifferences() {
    MlpClassification p = MlpClassification.sample(2, 0, 2, 3, 4, 3, 6);
    double err = GradientCheck.gradientError(xs -> org.bml.core.autodiff.Ops.sum(p.losses(xs.get(0)), false),
        List.of(p.initial()), 1e-6);
    assertTrue(err < 1e-7, "MLP optimizee gradient vs FD: " + err);
  }

  @Test
  void badSizesRefused() {
    assertThrows(IllegalArgumentException.class, () -> MlpClassification.sample(1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> MlpClassification.sample(1, 0, 2, 3, 4, 1, 5));
    assertThrows(IllegalArgumentException.class, () -> HandDesigned.nesterov(0.1, 1.0));
    MlpClassification p = MlpClassification.sample(1, 0, 2);
    assertThrows(IllegalArgumentException.class, () -> p.losses(Tensor.constant(p.initial().slice(0))));
  }
}
