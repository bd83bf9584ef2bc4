package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Each point-estimate method trains: its meta-test query loss after a few dozen meta-iterations on
 * a tiny task family is clearly below the loss at initialisation (same test tasks, same number of
 * adaptation steps).
 */
class PointEstimateTrainingTest {
  private static final int ITERATIONS = 40;
  private static final int META_BATCH = 4;
  private static final long TRAIN_SEED = 3;
  private static final long TEST_SEED = 99;
  private static final int TEST_TASKS = 24;

  private static final SinusoidTasks SINES = new SinusoidTasks(
      new SinusoidTasks.Config(0.5, 2.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0), 10, 10, DataType.DOUBLE);
  private static final Mlp REGRESSOR = new Mlp(Activation.TANH, 1, 16, 16, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(REGRESSOR);

  private static final GaussianBlobTasks BLOBS = GaussianBlobTasks.small();
  private static final Mlp EMBEDDING = new Mlp(Activation.TANH, BLOBS.dim(), 16, 8);

  private static double[] beforeAfter(MetaLearner learner, TaskDistribution tasks, int steps, double lr) {
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(lr), 0);
    double before = Evaluation.queryLoss(learner, opt.params(), tasks, TEST_SEED, TEST_TASKS, TEST_TASKS, steps).mean();
    MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, META_BATCH, TRAIN_SEED);
    for (int it = 0; it < ITERATIONS; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryLoss(learner, opt.params(), tasks, TEST_SEED, TEST_TASKS, TEST_TASKS, steps).mean();
    return new double[] {before, after};
  }

  private static void assertTrains(String name, MetaLearner learner, TaskDistribution tasks, int steps, double lr,
      double factor) {
    double[] ba = beforeAfter(learner, tasks, steps, lr);
    System.out.printf("%s: query loss %.4f -> %.4f%n", name, ba[0], ba[1]);
    assertTrue(ba[1] < factor * ba[0], name + ": query loss " + ba[0] + " -> " + ba[1]
        + " after " + ITERATIONS + " meta-iterations, expected below " + factor + "x");
  }

  @Test
  void fomamlTrains() {
    assertTrains("FOMAML", Fomaml.create(REGRESSOR, MSE, 1, 0.05), SINES, 1, 0.01, 0.8);
  }

  @Test
  void reptileTrains() {
    assertTrains("Reptile", new Reptile(REGRESSOR, MSE, 3, 0.05), SINES, 3, 0.1, 0.8);
  }

  @Test
  void anilTrains() {
    Anil anil = new Anil(REGRESSOR, MSE, List.of(Mlp.weight(2), Mlp.biasName(2)), 1, 0.05, GradientOrder.SECOND);
    assertTrains("ANIL", anil, SINES, 1, 0.01, 0.8);
  }

  @Test
  void metaSgdTrains() {
    assertTrains("Meta-SGD", new MetaSgd(REGRESSOR, MSE, 1, 0.05, GradientOrder.SECOND), SINES, 1, 0.01, 0.8);
  }

  @Test
  void protoNetTrains() {
    assertTrains("ProtoNet", new ProtoNet(EMBEDDING), BLOBS, 0, 0.01, 0.8);
  }

  @Test
  void matchingNetTrains() {
    assertTrains("MatchingNet", new MatchingNet(EMBEDDING, 5.0), BLOBS, 0, 0.01, 0.9);
  }

  @Test
  void bayesianProtoNetTrains() {
    assertTrains("BayesianProtoNet", new BayesianProtoNet(EMBEDDING, 4.0, 0.5, true), BLOBS, 0, 0.01, 0.8);
  }

  /** The meta-losses are means of per-task terms, so chunked meta-batches give the same update. */
  @Test
  void chunkedMetaBatchesGiveTheSameUpdate() {
    List<MetaLearner> learners = List.of(new Reptile(REGRESSOR, MSE, 2, 0.05),
        new MetaSgd(REGRESSOR, MSE, 1, 0.05, GradientOrder.SECOND),
        new Anil(REGRESSOR, MSE, List.of(Mlp.weight(2), Mlp.biasName(2)), 1, 0.05, GradientOrder.SECOND));
    for (MetaLearner learner : learners) {
      assertChunkInvariant(learner, SINES);
    }
    for (MetaLearner learner : List.<MetaLearner>of(new ProtoNet(EMBEDDING), new MatchingNet(EMBEDDING),
        new BayesianProtoNet(EMBEDDING, 4.0, 0.5, true))) {
      assertChunkInvariant(learner, BLOBS);
    }
  }

  private static void assertChunkInvariant(MetaLearner learner, TaskDistribution tasks) {
    INDArray whole = trained(learner, tasks, META_BATCH);
    INDArray chunked = trained(learner, tasks, 1);
    double err = whole.sub(chunked).norm2Number().doubleValue() / whole.norm2Number().doubleValue();
    assertTrue(err < 1e-12, learner.getClass().getSimpleName() + ": chunked vs whole, relative difference " + err);
  }

  private static INDArray trained(MetaLearner learner, TaskDistribution tasks, int chunk) {
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(2, DataType.DOUBLE), new Sgd(0.05), 0);
    MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, META_BATCH, chunk, TRAIN_SEED);
    for (int it = 0; it < 2; it++) {
      trainer.step(it);
    }
    return opt.flatParams().dup();
  }
}
