package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.balanced;
import static org.bml.algorithms.PointEstimateFixtures.maxAbsDiff;
import static org.bml.algorithms.PointEstimateFixtures.randomLabels;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskDistribution;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The few-shot GNN (Garcia &amp; Bruna 2018) and the hypernetwork: the GNN's Matching-net reduction,
 * exact label-permutation equivariance of both, their meta-gradients and Hessian-vector products
 * against central differences (float64), learning on the Gaussian-blob family, and bad inputs.
 */
class GnnHyperNetTest {
  private static final Mlp EMBEDDING = new Mlp(Activation.TANH, 3, 5, 4);
  /** A smaller embedding for the finite-difference checks (two losses per coordinate). */
  private static final Mlp SMALL = new Mlp(Activation.TANH, 3, 3);

  /** An Mlp embedding projected onto the unit sphere (so −‖u − v‖² = 2 cos(u, v) − 2). */
  private static final Model UNIT = new Model() {
    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
      return EMBEDDING.parameterShapes();
    }

    @Override
    public Params init(long seed, DataType dtype) {
      return EMBEDDING.init(seed, dtype);
    }

    @Override
    public Tensor forward(Params params, Tensor x) {
      Tensor e = EMBEDDING.forward(params, x);
      return Ops.div(e, Ops.sqrt(Ops.sum(Ops.square(e), true, -1)));
    }
  };

  /**
   * A GNN with no hidden layers, the fixed edge −‖x_i − x_j‖² and an output layer reading only the
   * aggregated labels (ll.weight = [0, 1]ᵀ, hl.weight = 0, bias 0) outputs, for each query,
   * Σ_j softmax_j(−‖φ(x̂) − φ(x_j)‖²) y_j; on unit-norm embeddings this equals MatchingNet's
   * P(y | x̂, S) = exp(predict) at scale 2, checked to 1e-12 (3 tasks, 3 ways, 2 shots, 5 queries). MatchingNet's
   * cosine divides by √(‖a‖² + ε) √(‖b‖² + ε) = 1 + ε on unit vectors (ε = {@link MatchingNet#COSINE_EPS}),
   * so its scale is 2 (1 + ε) to cancel that guard exactly.
   */
  @Test
  void fixedEdgeGnnIsMatchingNetAtScaleTwo() {
    GraphNeuralNet gnn = new GraphNeuralNet(UNIT, 4, 0, 1, 1, 1, false);
    Params theta = gnn.initialize(3, DataType.DOUBLE)
        .with("gnn.out.ll.weight", Tensor.constant(Nd4j.createFromArray(new double[][] {{0}, {1}})))
        .with("gnn.out.hl.weight", Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 8, 1)))
        .with("gnn.out.ll.bias", Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1)));
    Data support = balanced(4, 3, 3, 2, 3);
    Data query = randomLabels(5, 3, 5, 3, 3);
    INDArray g = gnn.predict(gnn.adapt(theta, support, 0), query.x()).value();
    MatchingNet match = new MatchingNet(UNIT, 2.0 * (1 + MatchingNet.COSINE_EPS));
    INDArray p = Ops.exp(match.predict(match.adapt(theta.subset(UNIT.parameterShapes().keySet()), support, 0),
        query.x())).value();
    double diff = maxAbsDiff(g, p);
    assertTrue(diff <= 1e-12, "GNN vs MatchingNet: " + diff);
  }

  private static Data permuteLabels(Data d, int[] perm) {
    INDArray y = d.y().value();
    INDArray out = y.dup();
    for (int k = 0; k < perm.length; k++) {
      out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(k))
          .assign(y.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(perm[k])));
    }
    return new Data(d.x(), Tensor.constant(out));
  }

  /** Relabelling the support set by a permutation π permutes the logits' classes by π (to 1e-12), loss unchanged. */
  private static void assertEquivariant(String name, MetaLearner learner) {
    Params theta = learner.initialize(21, DataType.DOUBLE);
    Data support = balanced(22, 2, 4, 2, 3);
    Data query = randomLabels(23, 2, 5, 4, 3);
    int[] perm = {2, 0, 3, 1};
    INDArray a = learner.predict(learner.adapt(theta, support, 0), query.x()).value();
    INDArray b = learner.predict(learner.adapt(theta, permuteLabels(support, perm), 0), query.x()).value();
    for (int k = 0; k < perm.length; k++) {
      double diff = maxAbsDiff(a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(perm[k])),
          b.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(k)));
      assertTrue(diff <= 1e-12, name + ": class " + k + " differs by " + diff);
    }
    double la = learner.metaLoss(theta, support, query).item();
    double lb = learner.metaLoss(theta, permuteLabels(support, perm), permuteLabels(query, perm)).item();
    assertTrue(Math.abs(la - lb) <= 1e-12 * Math.abs(la), name + ": loss " + la + " vs " + lb);
  }

  @Test
  void bothAreLabelPermutationEquivariant() {
    assertEquivariant("GNN", new GraphNeuralNet(EMBEDDING, 4, 2, 3, 2, 4, true));
    assertEquivariant("HyperNet", new HyperNet(EMBEDDING, 4, 6));
  }

  private static void assertGradients(String name, MetaLearner learner, List<String> restrictTo, double scale) {
    Params theta = learner.initialize(31, DataType.DOUBLE);
    Data support = balanced(32, 1, 2, 1, 3);
    Data query = balanced(33, 1, 2, 1, 3);
    List<String> names = restrictTo == null ? theta.names() : restrictTo;
    Params fixed = theta;
    java.util.function.Function<List<Tensor>, Tensor> f = ts -> {
      Params p = fixed;
      for (int i = 0; i < names.size(); i++) {
        p = p.with(names.get(i), ts.get(i));
      }
      return learner.metaLoss(p, support, query);
    };
    List<INDArray> at = new ArrayList<>();
    names.forEach(n -> at.add(theta.get(n).value().mul(scale)));
    // Not a vacuous check: the loss must depend on the weights here (dead ReLUs could zero it).
    double norm = GradientCheck.norm(GradientCheck.gradient(f, at));
    assertTrue(norm > 1e-3, name + ": gradient norm " + norm);
    double err = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(err < 1e-6, name + ": gradient error " + err);
    List<INDArray> v = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      v.add(GradientCheck.uniform(40 + i, -1, 1, at.get(i).shape()));
    }
    double hvp = GradientCheck.hvpError(f, at, v, 1e-5);
    assertTrue(hvp < 1e-6, name + ": Hessian-vector product error " + hvp);
  }

  /**
   * Meta-gradient and HVP of the GNN's query loss w.r.t. its output graph layer (learned edge MLP and graph
   * convolution) and the embedding; two stacked layers with dense growth are checked in core's GraphConvTest.
   * At 4 × the initial weights: at the initial point the two classes' logits nearly tie (a nearly flat edge
   * MLP attends uniformly), the gradient is ~1e-5 and the check would be close to vacuous.
   */
  @Test
  void gnnMetaGradientMatchesFiniteDifferences() {
    assertGradients("GNN", new GraphNeuralNet(SMALL, 3, 0, 1, 1, 3, true), null, 4.0);
  }

  /** The generator path: meta-gradient and HVP of the query loss w.r.t. the generator's weights (and the body's). */
  @Test
  void hyperNetGeneratorGradientMatchesFiniteDifferences() {
    assertGradients("HyperNet", new HyperNet(SMALL, 3, 3), null, 1.0);
  }

  private static void assertLearns(String name, MetaLearner learner, int iterations, int metaBatch, double lr,
      double lossRatio, double accuracyGain) {
    TaskDistribution tasks = GaussianBlobTasks.small();
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(lr), 0);
    double before = Evaluation.queryAccuracy(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    double lossBefore = Evaluation.queryLoss(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, metaBatch, 3);
    for (int it = 0; it < iterations; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryAccuracy(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    double lossAfter = Evaluation.queryLoss(learner, opt.params(), tasks, 99, 24, 24, 0).mean();
    System.out.printf("%s: accuracy %.3f -> %.3f, query loss %.4f -> %.4f%n", name, before, after, lossBefore,
        lossAfter);
    assertTrue(lossAfter < lossRatio * lossBefore, name + ": query loss " + lossBefore + " -> " + lossAfter);
    assertTrue(after > before + accuracyGain, name + ": accuracy " + before + " -> " + after);
  }

  @Test
  void gnnLearns() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    // No hidden layer (the output layer's learned edges and graph convolution only): the test's time budget.
    assertLearns("GNN", new GraphNeuralNet(new Mlp(Activation.TANH, blobs.dim(), 16, 8), 8, 0, 1, 1, 8, true),
        40, 2, 0.03, 0.9, 0.2);
  }

  @Test
  void hyperNetLearns() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    assertLearns("HyperNet", new HyperNet(new Mlp(Activation.TANH, blobs.dim(), 16, 8), 8, 16), 60, 4, 0.01, 0.8, 0.1);
  }

  @Test
  void badInputsAreNamed() {
    var ex = assertThrows(IllegalArgumentException.class, () -> new GraphNeuralNet(EMBEDDING, 4, -1, 2, 1, 2, true));
    assertTrue(ex.getMessage().contains("layers"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new GraphNeuralNet(EMBEDDING, 4, 1, 0, 1, 2, true));
    assertTrue(ex.getMessage().contains("features per layer"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new GraphNeuralNet(EMBEDDING, 4, 1, 2, 1, 0, true));
    assertTrue(ex.getMessage().contains("edge hidden"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new HyperNet(EMBEDDING, 4, 0));
    assertTrue(ex.getMessage().contains("generator hidden"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new HyperNet(null, 4, 3));
    assertTrue(ex.getMessage().contains("embedding"), ex.getMessage());
    // Wrong embedding width is named at use.
    GraphNeuralNet gnn = new GraphNeuralNet(EMBEDDING, 5, 1, 2, 1, 2, true);
    Params gt = gnn.initialize(1, DataType.DOUBLE);
    ex = assertThrows(IllegalArgumentException.class, () -> gnn.metaLoss(gt, balanced(1, 1, 2, 1, 3),
        balanced(2, 1, 2, 1, 3)));
    assertTrue(ex.getMessage().contains("[B, n, 5]"), ex.getMessage());
    HyperNet net = new HyperNet(EMBEDDING, 5, 3);
    Params ht = net.initialize(1, DataType.DOUBLE);
    ex = assertThrows(IllegalArgumentException.class, () -> net.adapt(ht, balanced(1, 1, 2, 1, 3), 0));
    assertTrue(ex.getMessage().contains("width 4, expected 5"), ex.getMessage());
    // A class without support examples.
    Data missing = PointEstimateFixtures.classification(3, new int[][] {{0, 0, 1}}, 3, 3);
    Params g2 = new GraphNeuralNet(EMBEDDING, 4, 1, 2, 1, 2, true).initialize(1, DataType.DOUBLE);
    ex = assertThrows(IllegalArgumentException.class,
        () -> new GraphNeuralNet(EMBEDDING, 4, 1, 2, 1, 2, true).adapt(g2, missing, 0));
    assertTrue(ex.getMessage().contains("no support examples"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class,
        () -> new HyperNet(EMBEDDING, 4, 3).adapt(new HyperNet(EMBEDDING, 4, 3).initialize(1, DataType.DOUBLE), missing, 0));
    assertTrue(ex.getMessage().contains("no support examples"), ex.getMessage());
  }
}
