package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.regression;
import static org.bml.hierarchical.BmamlTestData.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.ParamLayout;
import org.bml.inference.particles.RbfKernel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * BMAML's decoupled weight step ({@link Bmaml.Config#weightStep}): each SVGD step's weight
 * displacement is the plain one times 2/γ̄ (γ̄ the mean noise precision of the task's particles before
 * the step), or 2·exp(s)/γ̄ with the learned s, the log-precision coordinates move exactly as in plain
 * SVGD, and the meta-gradient through the preconditioner (and s) is exact.
 */
class BmamlDecoupledStepTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 6, 1);

  private static Bmaml bmaml(BmamlPosterior posterior, int particles, boolean decoupled) {
    return bmaml(posterior, particles, decoupled ? Bmaml.WeightStep.DECOUPLED : Bmaml.WeightStep.GAMMA);
  }

  private static Bmaml bmaml(BmamlPosterior posterior, int particles, Bmaml.WeightStep step) {
    return new Bmaml(posterior, new Bmaml.Config(particles, 1, 0.01, 1, RbfKernel.medianHeuristic(),
        Bmaml.Objective.CHASER, GradientOrder.SECOND, 1.0, true, step));
  }

  /**
   * Over initial noise precisions γ_0 and particle counts: one decoupled step's weight displacement is
   * 2/γ̄ times plain SVGD's (to 1e-12 relative), γ̄ the mean of the particles' γ, and the log-precision
   * coordinates end where plain SVGD's do. With one particle this is MAML's step for any γ_0 (up to the
   * weight prior's pull, also scaled).
   */
  @Property(tries = 12, seed = "17")
  void weightDisplacementIsPlainTimesTwoOverMeanGamma(@ForAll @DoubleRange(min = 0.05, max = 50) double gamma0,
      @ForAll @IntRange(min = 1, max = 4) int particles) {
    BmamlPosterior posterior = BmamlPosterior.gaussianRegression(MLP, 2.0, 0.2, 2.0, 2.0)
        .withInitialPrecisions(gamma0, 1.0);
    Bmaml plain = bmaml(posterior, particles, false);
    Bmaml decoupled = bmaml(posterior, particles, true);
    Params meta = plain.initialize(3, DataType.DOUBLE).detach();
    Data support = regression(41, 2, 5, 1, 1);
    ParamLayout layout = plain.layout(meta);
    INDArray start = plain.taskPosterior(meta, support, 0).particles().value().dup(); // [T, M, P]
    INDArray a = plain.taskPosterior(meta, support, 1).particles().value().sub(start);
    INDArray b = decoupled.taskPosterior(meta, support, 1).particles().value().sub(start);
    int logGamma = layout.offset(BmamlPosterior.LOG_GAMMA);
    int logLambda = layout.offset(BmamlPosterior.LOG_LAMBDA);
    for (int t = 0; t < 2; t++) {
      double meanGamma = 0;
      for (int m = 0; m < particles; m++) {
        meanGamma += Math.exp(start.getDouble(t, m, logGamma)) / particles;
      }
      for (int m = 0; m < particles; m++) {
        for (int j = 0; j < layout.size(); j++) {
          double expected = (j == logGamma || j == logLambda) ? a.getDouble(t, m, j)
              : a.getDouble(t, m, j) * 2.0 / meanGamma;
          double got = b.getDouble(t, m, j);
          assertEquals(expected, got, 1e-12 * Math.max(1e-3, Math.abs(expected)),
              "task " + t + " particle " + m + " coordinate " + j + " (γ_0 = " + gamma0 + ")");
        }
      }
    }
    // A test that can fail: the plain step is not already decoupled (γ_0 ≠ 2 moves the weights differently).
    if (Math.abs(gamma0 - 2.0) > 0.5) {
      double diff = b.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, logGamma)).sub(
          a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, logGamma))).norm2Number().doubleValue();
      assertTrue(diff > 0, "decoupled and plain weight steps differ at γ_0 = " + gamma0);
    }
  }

  @Test
  void decoupledChaserMetaGradientMatchesFiniteDifferences() {
    Bmaml b = bmaml(BmamlPosterior.gaussianRegression(MLP, 2.0, 0.2, 2.0, 2.0), 3, true);
    Data support = regression(41, 2, 5, 1, 1);
    Data query = regression(43, 2, 5, 1, 1);
    Params meta = b.initialize(7, DataType.DOUBLE);
    double err = BmamlTestData.chaserGradientError(b, meta, support, query);
    assertTrue(err <= 1e-7, "decoupled chaser gradient vs central differences: rel err " + err);
  }

  /** The learned step at s scales the decoupled displacement by exp(s) at the weights only (1e-12). */
  @Property(tries = 8, seed = "23")
  void learnedStepScalesTheDecoupledDisplacement(@ForAll @DoubleRange(min = -3, max = 3) double logStep) {
    BmamlPosterior posterior = BmamlPosterior.gaussianRegression(MLP, 2.0, 0.2, 2.0, 2.0);
    Bmaml decoupled = bmaml(posterior, 3, Bmaml.WeightStep.DECOUPLED);
    Bmaml learned = bmaml(posterior, 3, Bmaml.WeightStep.LEARNED);
    Params meta = learned.initialize(3, DataType.DOUBLE).detach();
    assertEquals(0.0, meta.get(Bmaml.LOG_WEIGHT_STEP).value().getDouble(0), "s starts at 0");
    meta = meta.with(Bmaml.LOG_WEIGHT_STEP, Tensor.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(logStep)));
    Data support = regression(41, 2, 5, 1, 1);
    ParamLayout layout = decoupled.layout(meta);
    INDArray start = decoupled.taskPosterior(meta, support, 0).particles().value().dup();
    INDArray a = decoupled.taskPosterior(meta, support, 1).particles().value().sub(start);
    INDArray b = learned.taskPosterior(meta, support, 1).particles().value().sub(start);
    int logGamma = layout.offset(BmamlPosterior.LOG_GAMMA);
    int logLambda = layout.offset(BmamlPosterior.LOG_LAMBDA);
    for (int t = 0; t < 2; t++) {
      for (int m = 0; m < 3; m++) {
        for (int j = 0; j < layout.size(); j++) {
          double expected = (j == logGamma || j == logLambda) ? a.getDouble(t, m, j)
              : a.getDouble(t, m, j) * Math.exp(logStep);
          assertEquals(expected, b.getDouble(t, m, j), 1e-12 * Math.max(1e-3, Math.abs(expected)),
              "task " + t + " particle " + m + " coordinate " + j + " (s = " + logStep + ")");
        }
      }
    }
  }

  @Test
  void learnedStepMetaGradientMatchesFiniteDifferences() {
    Bmaml b = bmaml(BmamlPosterior.gaussianRegression(MLP, 2.0, 0.2, 2.0, 2.0), 3, Bmaml.WeightStep.LEARNED);
    Data support = regression(41, 2, 5, 1, 1);
    Data query = regression(43, 2, 5, 1, 1);
    Params meta = b.initialize(7, DataType.DOUBLE).with(Bmaml.LOG_WEIGHT_STEP,
        Tensor.variable(org.nd4j.linalg.factory.Nd4j.createFromArray(0.4)));
    double err = BmamlTestData.chaserGradientError(b, meta, support, query);
    assertTrue(err <= 1e-7, "learned-step chaser gradient vs central differences: rel err " + err);
    // s does reach the loss (a gradient that can be checked, not an unused parameter).
    Tensor s = meta.get(Bmaml.LOG_WEIGHT_STEP);
    double g = org.bml.core.autodiff.Autodiff.grad(List.of(b.metaLoss(meta, support, query)), null, List.of(s), false,
        false).get(0).value().getDouble(0);
    assertTrue(Math.abs(g) > 1e-8, "meta-gradient on s: " + g);
    assertThrows(IllegalStateException.class, () -> b.leader(b.taskPosterior(meta, support, 1), support, query));
  }

  @Test
  void targetsWithoutALearnedNoiseAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> bmaml(BmamlPosterior.classification(MLP, 2.0, 2.0), 2, true));
    assertTrue(e.getMessage().contains("needs a target with a learned noise precision"), e.getMessage());
  }
}
