package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

class MetaTrainerTest {
  private static final Mlp MODEL = new Mlp(Activation.TANH, 1, 8, 1);
  private static final Maml MAML = new Maml(MODEL, Likelihood.meanSquaredError(MODEL), 2, 0.05, GradientOrder.SECOND);
  private static final SinusoidTasks TASKS = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.DOUBLE);

  private static INDArray trainedParams(int chunk, int iterations) {
    MetaOptimizer opt = new MetaOptimizer(MAML.initialize(4, DataType.DOUBLE), new Sgd(0.01), 0);
    MetaTrainer trainer = new MetaTrainer(MAML, TASKS, opt, 6, chunk, 11);
    for (int it = 0; it < iterations; it++) {
      trainer.step(it);
    }
    return opt.flatParams().dup();
  }

  @Test
  void chunkedMetaBatchGivesTheSameUpdateAsOnePass() {
    INDArray whole = trainedParams(6, 3);
    for (int chunk : new int[] {1, 4}) {
      INDArray chunked = trainedParams(chunk, 3);
      double err = whole.sub(chunked).norm2Number().doubleValue() / whole.norm2Number().doubleValue();
      assertTrue(err < 1e-12, "chunk " + chunk + ": relative difference " + err);
    }
  }

  @Test
  void trainingIsReproducibleForAGivenSeed() {
    assertEquals(trainedParams(6, 2), trainedParams(6, 2));
  }

  @Test
  void invalidChunkIsRejected() {
    MetaOptimizer opt = new MetaOptimizer(MAML.initialize(4, DataType.DOUBLE), new Sgd(0.01), 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MetaTrainer(MAML, TASKS, opt, 6, 7, 1));
    assertTrue(e.getMessage().contains("chunk"), e.getMessage());
  }
}
