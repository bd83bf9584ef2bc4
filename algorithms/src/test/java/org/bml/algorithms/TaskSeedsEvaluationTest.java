package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/** Training and evaluation through one {@link TaskSeeds}: train on its training seed, score its test seed. */
class TaskSeedsEvaluationTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 10, 1);
  private static final Maml MAML = new Maml(MLP, Likelihood.meanSquaredError(MLP), 1, 0.05, GradientOrder.SECOND);
  private static final SinusoidTasks SINES = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 8, DataType.DOUBLE);

  @Test
  void trainerWithTaskSeedsTrainsOnTheTrainingSeed() {
    TaskSeeds seeds = TaskSeeds.of(5);
    MetaTrainer a = new MetaTrainer(MAML, SINES, optimizer(), 4, seeds);
    MetaTrainer b = new MetaTrainer(MAML, SINES, optimizer(), 4, seeds.training());
    for (int it = 0; it < 3; it++) {
      assertEquals(b.step(it), a.step(it), 0.0, "iteration " + it);
    }
    assertThrows(IllegalArgumentException.class, () -> new MetaTrainer(MAML, SINES, optimizer(), 4, (TaskSeeds) null));
  }

  @Test
  void evaluationWithTaskSeedsScoresTheTestSeedNotTheTrainingTasks() {
    TaskSeeds seeds = TaskSeeds.of(5);
    Params theta = MAML.initialize(1, DataType.DOUBLE);
    Evaluation.Summary test = Evaluation.queryLoss(MAML, theta, SINES, seeds, 6, 3, 1);
    assertEquals(Evaluation.queryLoss(MAML, theta, SINES, seeds.test(), 6, 3, 1), test);
    assertNotEquals(Evaluation.queryLoss(MAML, theta, SINES, seeds.training(), 6, 3, 1).mean(), test.mean());
    UncertaintyOptions o = UncertaintyOptions.defaults(1, 3);
    assertEquals(Evaluation.uncertainty(MAML, theta, SINES, seeds.test(), 6, 3, 1, o).mse(),
        Evaluation.uncertainty(MAML, theta, SINES, seeds, 6, 3, 1, o).mse());
    assertThrows(IllegalArgumentException.class,
        () -> Evaluation.queryLoss(MAML, theta, SINES, (TaskSeeds) null, 6, 3, 1));
  }

  private static MetaOptimizer optimizer() {
    return new MetaOptimizer(MAML.initialize(2, DataType.DOUBLE), new Adam(1e-3), 0);
  }
}
