package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.balanced;
import static org.bml.algorithms.PointEstimateFixtures.maxAbsDiff;
import static org.bml.algorithms.PointEstimateFixtures.randomLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.predictive.ClassificationPredictive;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.transductive.Sib;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/** SIB (Hu et al. ICLR 2020): its reduction to the base classifier, meta-gradient, transduction, learning. */
class SibTest {
  private static final Mlp EMBEDDING = new Mlp(Activation.TANH, 3, 5, 4);

  /** Every meta-parameter moved off its initial value (ξ's zero output layer included), seeded. */
  private static Params perturbed(Params meta, long seed) {
    List<Tensor> ts = new ArrayList<>();
    int i = 0;
    for (Tensor t : meta.tensors()) {
      INDArray v = t.value().add(GradientCheck.uniform(seed + i++, -0.5, 0.5, t.shape()));
      ts.add(Tensor.variable(v));
    }
    return Params.of(meta.names(), ts);
  }

  private static INDArray logSoftmax(Tensor logits) {
    return Ops.logSoftmax(logits, -1).value();
  }

  /**
   * With K = 0 synthetic-gradient steps SIB is its base classifier: the posterior mean's softmax is
   * ProtoNet's (τ = 1) to 1e-12 and so is the meta-loss (float64). At initialisation (ξ's output
   * layer zero) the same holds for any K, since the synthetic gradient is zero.
   */
  @Test
  void zeroStepsIsTheBaseClassifier() {
    Data support = balanced(1, 2, 3, 2, 3);
    Data query = randomLabels(2, 2, 5, 3, 3);
    ProtoNet proto = new ProtoNet(EMBEDDING);
    for (int k : new int[] {0, 3}) {
      Sib sib = new Sib(EMBEDDING, 3, k, 0.5, 6, 0.1, 0);
      Params meta = sib.initialize(4, DataType.DOUBLE);
      Params theta = k == 0 ? perturbed(meta, 10) : meta;
      INDArray a = logSoftmax(sib.predict(sib.adapt(theta, support, 0), query.x()));
      INDArray b = logSoftmax(proto.predict(proto.adapt(theta, support, 0), query.x()));
      double d = maxAbsDiff(a, b);
      assertTrue(d <= 1e-12, "K=" + k + ": log-probabilities differ by " + d);
      double ls = sib.metaLoss(theta, support, query).item();
      double lp = proto.metaLoss(theta, support, query).item();
      assertEquals(lp, ls, 1e-12 * Math.abs(lp), "K=" + k + " meta-loss");
    }
    // Refined with a non-zero ξ, the classifier moves.
    Sib sib = new Sib(EMBEDDING, 3, 2, 0.5, 6, 0.1, 0);
    Params theta = perturbed(sib.initialize(4, DataType.DOUBLE), 10);
    INDArray a = logSoftmax(sib.predict(sib.adapt(theta, support, 0), query.x()));
    INDArray b = logSoftmax(proto.predict(proto.adapt(theta, support, 0), query.x()));
    assertTrue(maxAbsDiff(a, b) > 1e-4, "two refinement steps changed nothing");
  }

  /** The meta-gradient (through K = 2 refinement steps and S = 2 posterior draws) against float64 central differences. */
  @Test
  void metaGradientMatchesFiniteDifferences() {
    Sib sib = new Sib(EMBEDDING, 3, 2, 0.5, 4, 0.2, 2);
    Params theta = perturbed(sib.initialize(5, DataType.DOUBLE), 30);
    Data support = balanced(6, 2, 3, 1, 3);
    Data query = randomLabels(7, 2, 4, 3, 3);
    List<String> names = theta.names();
    List<INDArray> at = PointEstimateFixtures.values(theta.tensors());
    double err = GradientCheck.gradientError(ts -> sib.metaLoss(Params.of(names, ts), support, query, 9L), at, 1e-6);
    assertTrue(err < 1e-7, "gradient relative error " + err);
  }

  /**
   * Transductive in the query inputs only: predictions do not read query labels (the meta-loss
   * changes with them, the refined classifier does not), but they do depend on the other query inputs.
   */
  @Test
  void refinementReadsQueryInputsNotLabels() {
    Sib sib = new Sib(EMBEDDING, 3, 2, 0.5, 6, 0.1, 0);
    Params theta = perturbed(sib.initialize(4, DataType.DOUBLE), 10);
    Data support = balanced(1, 1, 3, 2, 3);
    Data query = randomLabels(2, 1, 5, 3, 3);
    Data relabelled = randomLabels(3, 1, 5, 3, 3);
    Params adapted = sib.adapt(theta, support, 0);
    INDArray all = sib.predict(adapted, query.x()).value();
    assertTrue(sib.metaLoss(theta, support, query).item() != sib.metaLoss(theta, support,
        new Data(query.x(), relabelled.y())).item(), "the labels must reach the meta-loss");
    INDArray firstTwo = sib.predict(adapted, Ops.slice(query.x(), 1, 0, 2)).value();
    double d = maxAbsDiff(all.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2), org.nd4j.linalg.indexing.NDArrayIndex.all()), firstTwo);
    assertTrue(d > 1e-6, "a point's prediction should depend on the other query inputs, differs by " + d);
  }

  /** Hypotheses are seeded posterior draws: reproducible, distinct, and the predictive is their softmax mixture. */
  @Test
  void hypothesesAreSeededPosteriorDraws() {
    Sib sib = new Sib(EMBEDDING, 3, 1, 0.5, 6, 0.3, 1);
    Params theta = perturbed(sib.initialize(4, DataType.DOUBLE), 10);
    Data support = balanced(1, 2, 3, 2, 3);
    Data query = randomLabels(2, 2, 4, 3, 3);
    List<Params> a = sib.hypotheses(theta, support, 0, 3, 11);
    List<Params> again = sib.hypotheses(theta, support, 0, 3, 11);
    assertEquals(3, a.size());
    assertEquals(a.get(1).get(Sib.NOISE).value(), again.get(1).get(Sib.NOISE).value());
    assertFalse(a.get(0).get(Sib.NOISE).value().equals(a.get(1).get(Sib.NOISE).value()));
    ClassificationPredictive p = Predictives.classification(sib, theta, support, query.x(), 0, 3, 11);
    assertEquals(3, p.hypotheses());
    double[][][] mean = p.probabilities();
    INDArray p0 = Ops.softmax(sib.predict(a.get(0), query.x()), -1).value();
    INDArray p1 = Ops.softmax(sib.predict(a.get(1), query.x()), -1).value();
    INDArray p2 = Ops.softmax(sib.predict(a.get(2), query.x()), -1).value();
    assertEquals((p0.getDouble(1, 2, 0) + p1.getDouble(1, 2, 0) + p2.getDouble(1, 2, 0)) / 3, mean[1][2][0], 1e-12);
  }

  /** SIB learns the Gaussian-blob family: accuracy and query loss improve after 30 meta-iterations. */
  @Test
  void learns() {
    GaussianBlobTasks blobs = GaussianBlobTasks.small();
    Sib sib = new Sib(new Mlp(Activation.TANH, blobs.dim(), 16, 8), blobs.ways(), 2, 0.5, 16, 0.05, 1);
    MetaOptimizer opt = new MetaOptimizer(sib.initialize(1, DataType.DOUBLE), new Adam(0.01), 0);
    double before = Evaluation.queryAccuracy(sib, opt.params(), blobs, 99, 12, 12, 0).mean();
    double lossBefore = Evaluation.queryLoss(sib, opt.params(), blobs, 99, 12, 12, 0).mean();
    MetaTrainer trainer = new MetaTrainer(sib, blobs, opt, 4, 3);
    for (int it = 0; it < 30; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryAccuracy(sib, opt.params(), blobs, 99, 12, 12, 0).mean();
    double lossAfter = Evaluation.queryLoss(sib, opt.params(), blobs, 99, 12, 12, 0).mean();
    System.out.printf("SIB: accuracy %.3f -> %.3f, query loss %.4f -> %.4f%n", before, after, lossBefore, lossAfter);
    assertTrue(lossAfter < 0.8 * lossBefore, "query loss " + lossBefore + " -> " + lossAfter);
    assertTrue(after > before + 0.1, "accuracy " + before + " -> " + after);
  }

  @Test
  void badInputIsRefusedByName() {
    var e = assertThrows(IllegalArgumentException.class, () -> new Sib(EMBEDDING, 3, -1, 0.5, 6, 0.1, 0));
    assertTrue(e.getMessage().contains("synthetic-gradient steps"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Sib(EMBEDDING, 3, 1, 0, 6, 0.1, 0));
    assertTrue(e.getMessage().contains("step size"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Sib(EMBEDDING, 3, 1, 0.5, 6, Double.NaN, 0));
    assertTrue(e.getMessage().contains("posterior std"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Sib(EMBEDDING, 1, 1, 0.5, 6, 0.1, 0));
    assertTrue(e.getMessage().contains("ways"), e.getMessage());
    Sib sib = new Sib(EMBEDDING, 3, 1, 0.5, 6, 0.1, 0);
    Params theta = sib.initialize(1, DataType.DOUBLE);
    Data support = balanced(1, 1, 3, 1, 3);
    e = assertThrows(IllegalArgumentException.class, () -> sib.predict(theta, support.x()));
    assertTrue(e.getMessage().contains(Sib.INITIAL_WEIGHTS), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sib.adapt(theta, balanced(1, 1, 4, 1, 3), 0));
    assertTrue(e.getMessage().contains("one-hot [T, n, 3]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sib.adapt(theta, support, -1));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
  }
}
