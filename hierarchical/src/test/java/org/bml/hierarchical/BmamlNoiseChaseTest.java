package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.regression;
import static org.bml.hierarchical.BmamlTestData.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Autodiff;
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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * BMAML's chased noise ({@link Bmaml.Config#chaseNoise}): the chaser distance keeps log γ (not log λ),
 * its meta-gradient is exact, and it moves the initial noise precision γ_0 toward the residual
 * precision of the data in both directions, with a signal several times that of the weights-only
 * distance (the authors'), which reaches γ_0 only through the weight step that γ scales.
 */
class BmamlNoiseChaseTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 6, 1);
  // Gamma(2, 0.2): γ_0 = 10, noise σ_0 ≈ 0.32, the README's BMAML sinusoid priors.
  private static final BmamlPosterior GAUSSIAN = BmamlPosterior.gaussianRegression(MLP, 2.0, 0.2, 2.0, 2.0);

  private static Bmaml bmaml(boolean chaseNoise, double eps) {
    return new Bmaml(GAUSSIAN, new Bmaml.Config(3, 1, eps, 1, RbfKernel.medianHeuristic(), Bmaml.Objective.CHASER,
        GradientOrder.SECOND, 1.0, chaseNoise));
  }

  /** Data y = s·u, u ~ U[−1, 1]: the residual precision of an untrained network is about 3/s². */
  private static Data scaled(Data d, double s) {
    return new Data(d.x(), Tensor.constant(d.y().value().mul(s)));
  }

  @Test
  void chasedDistanceKeepsLogGammaAndLeavesOutLogLambda() {
    Bmaml b = bmaml(true, 0.01);
    Params meta = b.initialize(3, DataType.DOUBLE).detach();
    Data support = regression(41, 2, 5, 1, 1);
    Data query = regression(43, 2, 5, 1, 1);
    ParticlePosterior chaser = b.taskPosterior(meta, support, 1);
    Tensor leader = b.leader(chaser, support, query);
    ParamLayout layout = chaser.layout();
    double base = b.chaserLoss(chaser, leader).item();
    assertEquals(base, b.chaserLoss(chaser, Tensor.constant(shifted(leader, layout, BmamlPosterior.LOG_LAMBDA)))
        .item(), 1e-15, "log λ is not in the distance");
    double moved = b.chaserLoss(chaser, Tensor.constant(shifted(leader, layout, BmamlPosterior.LOG_GAMMA))).item();
    // Each of 3 particles' log γ coordinate now differs by 5 + (its own chaser-leader offset).
    assertTrue(moved > base + 3 * 20, "log γ is in the distance: " + base + " -> " + moved);
    Bmaml weightsOnly = bmaml(false, 0.01);
    assertEquals(weightsOnly.chaserLoss(chaser, leader).item(), weightsOnly.chaserLoss(chaser,
        Tensor.constant(shifted(leader, layout, BmamlPosterior.LOG_GAMMA))).item(), 1e-15, "weights only without it");
  }

  private static INDArray shifted(Tensor leader, ParamLayout layout, String name) {
    INDArray moved = leader.value().dup();
    moved.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(layout.offset(name))).addi(5.0);
    return moved;
  }

  @Test
  void chasedNoiseMetaGradientMatchesFiniteDifferences() {
    Bmaml b = bmaml(true, 0.01);
    Data support = regression(41, 2, 5, 1, 1);
    Data query = regression(43, 2, 5, 1, 1);
    Params meta = b.initialize(7, DataType.DOUBLE);
    double err = BmamlTestData.chaserGradientError(b, meta, support, query);
    assertTrue(err <= 1e-7, "chased-noise chaser gradient vs central differences: rel err " + err);
  }

  /**
   * The meta-gradient of the chaser loss with respect to each particle's log γ_0, summed over the 3
   * particles: positive means a descent step lowers γ_0 (a wider predictive). Seeds 41/43, ε = 0.01,
   * 10 support and 10 query points per task, 2 tasks.
   */
  private static double logGammaGradient(boolean chaseNoise, double yScale) {
    Bmaml b = bmaml(chaseNoise, 0.01);
    Data support = scaled(regression(41, 2, 10, 1, 1), yScale);
    Data query = scaled(regression(43, 2, 10, 1, 1), yScale);
    Params meta = b.initialize(5, DataType.DOUBLE);
    Tensor loss = b.metaLoss(meta, support, query);
    double sum = 0;
    for (int m = 0; m < 3; m++) {
      Tensor lg = meta.get(BmamlEnsemble.particleName(m, BmamlPosterior.LOG_GAMMA));
      sum += Autodiff.grad(List.of(loss), null, List.of(lg), false, false).get(0).value().getDouble(0);
    }
    return sum;
  }

  @Test
  void chasedNoiseMovesGammaTowardTheResidualPrecision() {
    // Residual variance ≈ s²/3 against γ_0 = 10 (variance 0.1): s = 3 wants γ ≈ 0.3 (lower), s = 0.03 wants
    // γ ≈ 3·10³ (higher).
    double noisy = logGammaGradient(true, 3.0);
    double clean = logGammaGradient(true, 0.03);
    assertTrue(noisy > 0, "noisy data: the descent step must lower log γ_0, gradient " + noisy);
    assertTrue(clean < 0, "clean data: the descent step must raise log γ_0, gradient " + clean);
    // The authors' weights-only distance reaches log γ_0 only through the weight step that γ scales: a weaker
    // signal (here ~1/7 and ~1/8; on the sinusoid it raised γ_0, see Bmaml.Config#chaseNoise).
    double weightsOnlyNoisy = logGammaGradient(false, 3.0);
    double weightsOnlyClean = logGammaGradient(false, 0.03);
    assertTrue(noisy > 3 * Math.abs(weightsOnlyNoisy), "chased " + noisy + " vs weights only " + weightsOnlyNoisy);
    assertTrue(-clean > 3 * Math.abs(weightsOnlyClean), "chased " + clean + " vs weights only " + weightsOnlyClean);
  }
}
