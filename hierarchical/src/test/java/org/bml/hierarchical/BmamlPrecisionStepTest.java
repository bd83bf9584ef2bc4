package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.regression;
import static org.bml.hierarchical.BmamlTestData.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.ParamLayout;
import org.bml.inference.particles.ParticlePosterior;
import org.bml.inference.particles.RbfKernel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BMAML's log-precision step scale (the authors' {@code lambda_lr}) and weights-only chaser
 * distance: the scale multiplies exactly the precision coordinates' SVGD displacement, stays
 * differentiable (central differences, float64), and with the Fisher scale 2/P keeps the weight
 * prior's log λ step bounded on a large network where plain SVGD diverges.
 */
class BmamlPrecisionStepTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 2, 1);
  private static final Data SUPPORT = regression(41, 2, 4, 1, 1);
  private static final Data QUERY = regression(43, 2, 3, 1, 1);
  private static final BmamlPosterior GAUSSIAN = BmamlPosterior.gaussianRegression(MLP, 2.0, 0.5, 2.0, 0.5);

  private static Bmaml bmaml(BmamlPosterior posterior, int particles, int steps, double eps, double scale) {
    return new Bmaml(posterior, new Bmaml.Config(particles, steps, eps, 1, RbfKernel.medianHeuristic(),
        Bmaml.Objective.CHASER, GradientOrder.SECOND, scale));
  }

  @Test
  void scaleMultipliesOnlyThePrecisionDisplacement() {
    double s = 0.3;
    Bmaml plain = bmaml(GAUSSIAN, 3, 1, 0.05, 1.0);
    Bmaml scaled = bmaml(GAUSSIAN, 3, 1, 0.05, s);
    Params meta = plain.initialize(4, DataType.DOUBLE).detach();
    ParamLayout layout = plain.layout(meta);
    INDArray start = plain.taskPosterior(meta, SUPPORT, 0).particles().value();
    INDArray a = plain.taskPosterior(meta, SUPPORT, 1).particles().value();
    INDArray b = scaled.taskPosterior(meta, SUPPORT, 1).particles().value();
    for (int j = 0; j < layout.size(); j++) {
      boolean precision = j >= layout.offset(BmamlPosterior.LOG_GAMMA);
      for (int t = 0; t < SUPPORT.tasks(); t++) {
        for (int m = 0; m < 3; m++) {
          double d0 = a.getDouble(t, m, j) - start.getDouble(t, m, j);
          double d1 = b.getDouble(t, m, j) - start.getDouble(t, m, j);
          double expected = precision ? s * d0 : d0;
          assertEquals(expected, d1, 1e-12 * (1 + Math.abs(d0)), "coordinate " + j + " (precision " + precision
              + "), task " + t + ", particle " + m);
        }
      }
    }
    assertTrue(Math.abs(a.getDouble(0, 0, layout.offset(BmamlPosterior.LOG_LAMBDA))
        - start.getDouble(0, 0, layout.offset(BmamlPosterior.LOG_LAMBDA))) > 1e-4, "log λ must move");
  }

  @Test
  void scaledChaserMetaGradientMatchesFiniteDifferences() {
    Bmaml b = bmaml(GAUSSIAN, 3, 2, 0.01, 0.2);
    Params meta = b.initialize(7, DataType.DOUBLE);
    List<String> names = meta.names();
    ParticlePosterior chaser = b.taskPosterior(meta, SUPPORT, 2);
    Tensor leader = b.leader(chaser, SUPPORT, QUERY);
    double err = GradientCheck.gradientError(
        vars -> b.chaserLoss(b.taskPosterior(Params.of(names, vars), SUPPORT, 2), leader), values(meta.tensors()),
        1e-6);
    assertTrue(err <= 1e-7, "scaled-precision chaser gradient vs central differences: rel err " + err);
  }

  @Test
  void chaserDistanceLeavesOutTheLogPrecisions() {
    Bmaml b = bmaml(GAUSSIAN, 2, 1, 0.01, 1.0);
    Params meta = b.initialize(3, DataType.DOUBLE).detach();
    ParticlePosterior chaser = b.taskPosterior(meta, SUPPORT, 1);
    Tensor leader = b.leader(chaser, SUPPORT, QUERY);
    ParamLayout layout = chaser.layout();
    INDArray moved = leader.value().dup();
    for (String n : List.of(BmamlPosterior.LOG_GAMMA, BmamlPosterior.LOG_LAMBDA)) {
      moved.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
          org.nd4j.linalg.indexing.NDArrayIndex.point(layout.offset(n))).addi(5.0);
    }
    assertEquals(b.chaserLoss(chaser, leader).item(), b.chaserLoss(chaser, Tensor.constant(moved)).item(), 1e-15);
    Tensor w = Ops.sub(chaser.particles(), leader);
    assertTrue(b.chaserLoss(chaser, leader).item() < Ops.mean(Ops.sum(Ops.square(w), false, 1, 2), false).item(),
        "the precisions' displacement is not in the distance");
  }

  /**
   * The Conv-4 failure in miniature: a 5-way classifier with ~68k weights, ε = 0.08 (the CLI's 0.4
   * inner rate over 5 support images). Plain SVGD moves log λ by ~ε·P/2 ≈ 2.7·10³ in one step and
   * diverges; with the Fisher scale 2/P log λ moves by at most ~ε and the particles stay finite.
   */
  @Test
  void fisherScaleKeepsTheWeightPriorStableOnALargeNetwork() {
    Mlp wide = new Mlp(Activation.RELU, 4, 256, 256, 5);
    BmamlPosterior posterior = BmamlPosterior.classification(wide, 1.0, 0.1);
    assertTrue(posterior.weightCount() > 60_000);
    double eps = 0.08;
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 5, 5);
    for (int i = 0; i < 5; i++) {
      y.putScalar(new long[] {0, i, i}, 1.0);
    }
    Data support = new Data(Tensor.constant(GradientCheck.uniform(5, -1, 1, 1, 5, 4)), Tensor.constant(y));
    Bmaml plain = bmaml(posterior, 2, 2, eps, 1.0);
    Params meta = plain.initialize(1, DataType.DOUBLE).detach();
    RuntimeException e = assertThrows(RuntimeException.class, () -> plain.taskPosterior(meta, support, 2));
    assertTrue(e.getMessage().contains("step size"), e.getMessage());

    Bmaml fisher = bmaml(posterior, 2, 2, eps, Bmaml.fisherPrecisionStepScale(posterior));
    INDArray after = fisher.taskPosterior(meta, support, 2).particles().value();
    int at = fisher.layout(meta).offset(BmamlPosterior.LOG_LAMBDA);
    double start = Math.log(10.0);
    for (int m = 0; m < 2; m++) {
      double moved = Math.abs(after.getDouble(0, m, at) - start);
      assertTrue(moved <= 2 * 2 * eps, "particle " + m + ": log λ moved by " + moved + " in 2 steps of ε = " + eps);
    }
    assertTrue(!after.isNaN().any() && !after.isInfinite().any(), "finite particles");
  }

  @Test
  void initialPrecisionsOverrideThePriorMeans() {
    BmamlPosterior p = GAUSSIAN.withInitialPrecisions(100.0, 1.0);
    Params particle = p.initialParticle(1, 0, DataType.DOUBLE);
    assertEquals(Math.log(100.0), particle.get(BmamlPosterior.LOG_GAMMA).value().getDouble(0), 1e-15);
    assertEquals(0.0, particle.get(BmamlPosterior.LOG_LAMBDA).value().getDouble(0), 1e-15);
    assertEquals(Math.log(2.0 / 0.5), GAUSSIAN.initialParticle(1, 0, DataType.DOUBLE).get(BmamlPosterior.LOG_GAMMA)
        .value().getDouble(0), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> GAUSSIAN.withInitialPrecisions(0, 1));
    assertThrows(IllegalArgumentException.class, () -> GAUSSIAN.withInitialPrecisions(1, Double.NaN));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new Bmaml.Config(2, 1, 0.01, 1,
        RbfKernel.medianHeuristic(), Bmaml.Objective.CHASER, GradientOrder.SECOND, -1));
    assertTrue(bad.getMessage().contains("precision step scale"), bad.getMessage());
  }
}
