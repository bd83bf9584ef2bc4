package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.balanced;
import static org.bml.algorithms.PointEstimateFixtures.between;
import static org.bml.algorithms.PointEstimateFixtures.grad;
import static org.bml.algorithms.PointEstimateFixtures.maxAbsDiff;
import static org.bml.algorithms.PointEstimateFixtures.randomLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskDistribution;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Relation networks and Siamese networks: the ProtoNet reduction of a relation module fixed to
 * −‖z − c‖², the Siamese score against a direct computation, a learning test for each on the
 * Gaussian-blob family (as {@link PointEstimateTrainingTest}), and their bad-input errors.
 */
class FieldMetricMethodsTest {
  private static final Mlp EMBEDDING = new Mlp(Activation.TANH, 3, 6, 4);

  /**
   * RelationNet with the fixed module −‖z − c‖² and the cross-entropy loss is ProtoNet at the same
   * temperature: class features are the prototypes bit for bit, logits, query loss and meta-gradient
   * agree to 1e-12 (float64, relative).
   */
  @Property(tries = 15, seed = "1711060250")
  void relationNetWithNegativeSquaredDistanceIsProtoNet(
      @ForAll @IntRange(min = 1, max = 3) int tasks, @ForAll @IntRange(min = 2, max = 4) int ways,
      @ForAll @IntRange(min = 1, max = 3) int shots, @ForAll @IntRange(min = 1, max = 5) int queries,
      @ForAll long seed) {
    double tau = between(seed, 0.2, 3.0);
    RelationNet rel = new RelationNet(EMBEDDING, RelationNet.RelationModule.negativeSquaredDistance(), tau,
        RelationNet.Loss.CROSS_ENTROPY);
    ProtoNet proto = new ProtoNet(EMBEDDING, tau);
    Params theta = rel.initialize(seed, DataType.DOUBLE);
    assertEquals(theta.names(), proto.initialize(seed, DataType.DOUBLE).names(), "same meta-parameters");
    Data support = balanced(seed + 1, tasks, ways, shots, 3);
    Data query = randomLabels(seed + 2, tasks, queries, ways, 3);

    Params pr = rel.adapt(theta, support, 0);
    Params pp = proto.adapt(theta, support, 0);
    assertEquals(pp.get(ProtoNet.PROTOTYPES).value(), pr.get(RelationNet.CLASS_FEATURES).value());
    double logitDiff = maxAbsDiff(rel.predict(pr, query.x()).value(), proto.predict(pp, query.x()).value());
    assertTrue(logitDiff <= 1e-12, "logits differ by " + logitDiff);
    Tensor lr = rel.metaLoss(theta, support, query);
    Tensor lp = proto.metaLoss(theta, support, query);
    assertTrue(Math.abs(lr.item() - lp.item()) <= 1e-12 * Math.abs(lp.item()), lr.item() + " vs " + lp.item());
    double gradErr = GradientCheck.relativeError(grad(lr, theta.tensors()), grad(lp, theta.tensors()));
    assertTrue(gradErr <= 1e-12, "meta-gradient rel err " + gradErr);
  }

  /** The learned relation module scores each (query, class) pair by the MLP on [z, c]. */
  @Test
  void relationModuleScoresTheConcatenatedPair() {
    RelationNet rel = new RelationNet(EMBEDDING, RelationNet.RelationModule.mlp(4, 5), 1.0, RelationNet.Loss.MSE);
    Params theta = rel.initialize(7, DataType.DOUBLE);
    Data support = balanced(8, 2, 3, 2, 3);
    Data query = randomLabels(9, 2, 4, 3, 3);
    Params adapted = rel.adapt(theta, support, 0);
    INDArray r = rel.predict(adapted, query.x()).value();
    Mlp g = new Mlp(Activation.RELU, 8, 5, 1);
    Params gp = new org.bml.core.model.Prefixed(RelationNet.RELATION_PREFIX, g).unprefixed(theta);
    INDArray z = EMBEDDING.forward(theta.subset(EMBEDDING.parameterShapes().keySet()), query.x()).value();
    INDArray c = adapted.get(RelationNet.CLASS_FEATURES).value();
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++) {
          INDArray pair = org.nd4j.linalg.factory.Nd4j.concat(0, z.slice(t).slice(i), c.slice(t).slice(k))
              .reshape(1, 1, 8);
          double expected = g.forward(gp, Tensor.constant(pair)).item();
          assertEquals(expected, r.getDouble(t, i, k), 1e-12, "pair " + t + "," + i + "," + k);
        }
      }
    }
  }

  /** The Siamese score is Σ_j α_j |a_j − b_j| + b, and each class's logit is its best support score. */
  @Test
  void siameseScoresAreWeightedL1AndPredictTakesTheBestSupport() {
    SiameseNet net = new SiameseNet(EMBEDDING, 4);
    Params theta = net.initialize(3, DataType.DOUBLE);
    Data support = balanced(4, 2, 3, 2, 3); // labels i mod 3, 6 support points
    Data query = randomLabels(5, 2, 4, 3, 3);
    Params adapted = net.adapt(theta, support, 0);
    INDArray logits = net.predict(adapted, query.x()).value();
    INDArray zq = EMBEDDING.forward(theta.subset(EMBEDDING.parameterShapes().keySet()), query.x()).value();
    INDArray zs = adapted.get(SiameseNet.SUPPORT_EMBEDDINGS).value();
    INDArray alpha = theta.get(SiameseNet.ALPHA).value();
    double bias = theta.get(SiameseNet.BIAS).value().getDouble(0);
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 4; i++) {
        double[] best = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int j = 0; j < 6; j++) {
          double s = bias;
          for (int d = 0; d < 4; d++) {
            s += alpha.getDouble(d) * Math.abs(zq.getDouble(t, i, d) - zs.getDouble(t, j, d));
          }
          best[j % 3] = Math.max(best[j % 3], s);
        }
        for (int k = 0; k < 3; k++) {
          assertEquals(best[k], logits.getDouble(t, i, k), 1e-12);
        }
      }
    }
  }

  /** The verification loss's meta-gradient and Hessian-vector product against central finite differences (float64). */
  @Test
  void siameseVerificationGradientMatchesFiniteDifferences() {
    SiameseNet net = new SiameseNet(EMBEDDING, 4);
    Params theta = net.initialize(11, DataType.DOUBLE);
    Data support = balanced(12, 2, 3, 1, 3);
    Data query = balanced(13, 2, 3, 2, 3);
    List<String> names = theta.names();
    double err = GradientCheck.gradientError(
        ts -> net.metaLoss(Params.of(names, ts), support, query), PointEstimateFixtures.values(theta.tensors()), 1e-6);
    assertTrue(err < 1e-6, "gradient error " + err);
    List<INDArray> direction = new java.util.ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      direction.add(GradientCheck.uniform(20 + i, -1, 1, theta.tensors().get(i).shape()));
    }
    double hvp = GradientCheck.hvpError(ts -> net.metaLoss(Params.of(names, ts), support, query),
        PointEstimateFixtures.values(theta.tensors()), direction, 1e-5);
    assertTrue(hvp < 1e-6, "Hessian-vector product error " + hvp);
  }

  private static double[] beforeAfter(MetaLearner learner, TaskDistribution tasks, int iterations, double lr) {
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(lr), 0);
    double before = Evaluation.queryAccuracy(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    double lossBefore = Evaluation.queryLoss(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, 4, 3);
    for (int it = 0; it < iterations; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryAccuracy(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    double lossAfter = Evaluation.queryLoss(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    return new double[] {before, after, lossBefore, lossAfter};
  }

  private static void assertLearns(String name, MetaLearner learner, int iterations, double lr) {
    double[] r = beforeAfter(learner, GaussianBlobTasks.small(), iterations, lr);
    System.out.printf("%s: accuracy %.3f -> %.3f, query loss %.4f -> %.4f%n", name, r[0], r[1], r[2], r[3]);
    assertTrue(r[3] < 0.8 * r[2], name + ": query loss " + r[2] + " -> " + r[3]);
    assertTrue(r[1] > r[0] + 0.1, name + ": accuracy " + r[0] + " -> " + r[1]);
  }

  @Test
  void relationNetLearns() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    Mlp emb = new Mlp(Activation.TANH, blobs.dim(), 16, 8);
    assertLearns("RelationNet", new RelationNet(emb, RelationNet.RelationModule.mlp(8, 8), 1.0,
        RelationNet.Loss.MSE), 80, 0.03);
  }

  @Test
  void siameseNetLearns() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    Mlp emb = new Mlp(Activation.TANH, blobs.dim(), 16, 8);
    assertLearns("SiameseNet", new SiameseNet(emb, 8), 60, 0.01);
  }

  @Test
  void badInputsAreNamed() {
    var ex = assertThrows(IllegalArgumentException.class, () -> new RelationNet(EMBEDDING,
        RelationNet.RelationModule.negativeSquaredDistance(), 0.0, RelationNet.Loss.MSE));
    assertTrue(ex.getMessage().contains("temperature"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> RelationNet.RelationModule.mlp(4, 0));
    assertTrue(ex.getMessage().contains("hidden"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new RelationNet(null, 4));
    assertTrue(ex.getMessage().contains("embedding"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new SiameseNet(EMBEDDING, 0));
    assertTrue(ex.getMessage().contains("embedding size"), ex.getMessage());
    // Wrong embedding size is named at use.
    RelationNet rel = new RelationNet(EMBEDDING, RelationNet.RelationModule.mlp(5, 3), 1.0, RelationNet.Loss.MSE);
    Params theta = rel.initialize(1, DataType.DOUBLE);
    ex = assertThrows(IllegalArgumentException.class, () -> rel.metaLoss(theta, balanced(1, 1, 2, 1, 3),
        balanced(2, 1, 2, 1, 3)));
    assertTrue(ex.getMessage().contains("size 5"), ex.getMessage());
    // A class without support examples.
    SiameseNet net = new SiameseNet(EMBEDDING, 4);
    Params st = net.initialize(1, DataType.DOUBLE);
    Data missing = PointEstimateFixtures.classification(3, new int[][] {{0, 0, 1}}, 3, 3);
    ex = assertThrows(IllegalArgumentException.class, () -> net.adapt(st, missing, 0));
    assertTrue(ex.getMessage().contains("no support examples"), ex.getMessage());
  }
}
