package org.bml.hierarchical;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.particles.RbfKernel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Smoke tests: PLATIPUS, BMAML and EMAML train on a tiny sinusoid family: the meta-test query loss
 * after a few dozen meta-iterations is clearly below the loss at initialisation (same test tasks,
 * same adaptation steps).
 */
class BmamlTrainingTest {
  private static final int ITERATIONS = 30;
  private static final SinusoidTasks SINES = new SinusoidTasks(
      new SinusoidTasks.Config(0.5, 2.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0), 10, 10, DataType.DOUBLE);
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 16, 16, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static void assertTrains(String name, MetaLearner learner, int steps) {
    assertTrains(name, learner, steps, 0.8);
  }

  private static void assertTrains(String name, MetaLearner learner, int steps, double factor) {
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(0.01), 0);
    double before = Evaluation.queryLoss(learner, opt.params(), SINES, 99, 16, 16, steps).mean();
    MetaTrainer trainer = new MetaTrainer(learner, SINES, opt, 4, 3);
    for (int it = 0; it < ITERATIONS; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryLoss(learner, opt.params(), SINES, 99, 16, 16, steps).mean();
    System.out.printf("%s: query loss %.4f -> %.4f%n", name, before, after);
    assertTrue(after < factor * before, name + ": query loss " + before + " -> " + after + ", expected below " + factor
        + "x");
  }

  @Test
  void platipusTrains() {
    assertTrains("PLATIPUS", new Platipus(MLP, MSE, new Platipus.Config(1, 0.05, 0.1, 1e-3, 1e-3, 0.05, 0.05,
        GradientOrder.SECOND, false)), 1);
  }

  @Test
  void bmamlTrains() {
    assertTrains("BMAML", new Bmaml(BmamlPosterior.gaussianRegression(MLP, 1.0, 0.1, 1.0, 0.1),
        new Bmaml.Config(3, 1, 0.002, 1, RbfKernel.medianHeuristic(), Bmaml.Objective.CHASER, GradientOrder.SECOND)),
        1, 0.9); // the chaser loss improves the fit only indirectly (observed 0.64 -> 0.50)
  }

  @Test
  void emamlTrains() {
    assertTrains("EMAML", new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 3, 1, 0.05, GradientOrder.SECOND), 1);
  }
}
