package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.balanced;
import static org.bml.algorithms.PointEstimateFixtures.grad;
import static org.bml.algorithms.PointEstimateFixtures.maxAbsDiff;
import static org.bml.algorithms.PointEstimateFixtures.randomLabels;
import static org.bml.algorithms.PointEstimateFixtures.regression;
import static org.bml.algorithms.PointEstimateFixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Definitions of the point-estimate methods checked directly, exact gradients, and bad input. */
class PointEstimateMethodsTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 5, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final Mlp EMBEDDING = new Mlp(Activation.TANH, 3, 6, 4);

  // ---------------------------------------------------------------- Reptile

  @Test
  void reptileSurrogateGradientIsThetaMinusTheMeanAdaptedParameters() {
    Params theta = MLP.init(5, DataType.DOUBLE);
    Data support = regression(10, 3, 4, 2, 1);
    Data query = regression(20, 3, 3, 2, 1);
    Reptile reptile = new Reptile(MLP, MSE, 3, 0.1, Reptile.InnerData.SUPPORT_AND_QUERY);
    List<INDArray> g = grad(reptile.metaLoss(theta, support, query), theta.tensors());
    Params phi = new TruncatedGradientDescent(3, 0.1, GradientOrder.FIRST)
        .adapt(theta.detach(), Reptile.join(support, query), MSE, 3);
    List<INDArray> expected = new ArrayList<>();
    for (String n : theta.names()) {
      expected.add(theta.get(n).value().sub(phi.get(n).value().mean(0)));
    }
    double err = GradientCheck.relativeError(g, expected);
    assertTrue(err <= 1e-12, "∇R vs θ − mean φ_k: rel err " + err);
    // Test-time adaptation uses the support set only.
    Params adapted = reptile.adapt(theta.detach(), support, 3);
    Params supportOnly = new TruncatedGradientDescent(3, 0.1, GradientOrder.FIRST)
        .adapt(theta.detach(), support, MSE, 3);
    assertEquals(supportOnly.get(Mlp.weight(0)).value(), adapted.get(Mlp.weight(0)).value());
  }

  // ---------------------------------------------------------------- ANIL

  @Test
  void anilAdaptsOnlyTheHeadAndItsSecondOrderMetaGradientMatchesFiniteDifferences() {
    Params theta = MLP.init(6, DataType.DOUBLE);
    Data support = regression(30, 2, 4, 2, 1);
    Data query = regression(40, 2, 3, 2, 1);
    Anil anil = new Anil(MLP, MSE, List.of(Mlp.weight(1), Mlp.biasName(1)), 2, 0.2, GradientOrder.SECOND);
    Params adapted = anil.adapt(theta, support, 2);
    assertEquals(2, adapted.get(Mlp.weight(0)).rank(), "the body stays shared (no task axis)");
    assertEquals(3, adapted.get(Mlp.weight(1)).rank(), "the head is per task");
    List<String> names = theta.names();
    double err = GradientCheck.gradientError(vars -> anil.metaLoss(Params.of(names, vars), support, query),
        values(theta.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "ANIL meta-gradient (body and head) vs central differences: rel err " + err);
    Anil firstOrder = new Anil(MLP, MSE, List.of(Mlp.weight(1), Mlp.biasName(1)), 2, 0.2, GradientOrder.FIRST);
    double foErr = GradientCheck.relativeError(grad(firstOrder.metaLoss(theta, support, query), theta.tensors()),
        grad(anil.metaLoss(theta, support, query), theta.tensors()));
    assertTrue(foErr > 1e-4, "first-order ANIL must drop a visible second-order term, rel diff " + foErr);
  }

  // ---------------------------------------------------------------- Meta-SGD

  @Test
  void metaSgdLaysOutStepSizesAndItsMetaGradientMatchesFiniteDifferences() {
    MetaSgd metaSgd = new MetaSgd(MLP, MSE, 2, 0.05, GradientOrder.SECOND);
    Params meta = metaSgd.initialize(7, DataType.DOUBLE);
    assertEquals(2 * MLP.parameterShapes().size(), meta.size());
    for (String n : MLP.parameterShapes().keySet()) {
      assertArrayEquals(meta.get(n).shape(), meta.get(MetaSgd.stepSizeName(n)).shape());
      assertEquals(0.05, meta.get(MetaSgd.stepSizeName(n)).value().getDouble(0), 0.0);
    }
    // Distinct step sizes, so that each α entry matters differently.
    Params varied = meta.mapNamed((n, t) -> n.startsWith(MetaSgd.PREFIX)
        ? Tensor.variable(GradientCheck.uniform(n.hashCode(), 0.02, 0.2, t.shape()), n) : t);
    Data support = regression(50, 2, 4, 2, 1);
    Data query = regression(60, 2, 3, 2, 1);
    List<String> names = varied.names();
    double err = GradientCheck.gradientError(vars -> metaSgd.metaLoss(Params.of(names, vars), support, query),
        values(varied.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "Meta-SGD meta-gradient (θ and α) vs central differences: rel err " + err);
  }

  // ---------------------------------------------------------------- ProtoNet

  @Test
  void protoNetPrototypesAreClassMeansAndLogitsAreNegatedSquaredDistances() {
    Params theta = EMBEDDING.init(8, DataType.DOUBLE);
    Data support = balanced(70, 2, 3, 2, 3);
    Data query = randomLabels(80, 2, 5, 3, 3);
    ProtoNet proto = new ProtoNet(EMBEDDING);
    Params adapted = proto.adapt(theta, support, 0);
    INDArray e = EMBEDDING.forward(theta, support.x()).value();
    INDArray z = EMBEDDING.forward(theta, query.x()).value();
    INDArray c = adapted.get(ProtoNet.PROTOTYPES).value();
    INDArray logits = proto.predict(adapted, query.x()).value();
    INDArray y = support.y().value();
    for (int t = 0; t < 2; t++) {
      for (int k = 0; k < 3; k++) {
        for (int j = 0; j < 4; j++) {
          double sum = 0;
          int count = 0;
          for (int i = 0; i < 6; i++) {
            if (y.getDouble(t, i, k) == 1) {
              sum += e.getDouble(t, i, j);
              count++;
            }
          }
          assertEquals(sum / count, c.getDouble(t, k, j), 1e-14);
        }
        for (int q = 0; q < 5; q++) {
          double d2 = 0;
          for (int j = 0; j < 4; j++) {
            double diff = z.getDouble(t, q, j) - c.getDouble(t, k, j);
            d2 += diff * diff;
          }
          assertEquals(-d2, logits.getDouble(t, q, k), 1e-13);
        }
      }
    }
    assertEquals(theta.names().size() + 1, adapted.size());
  }

  // ---------------------------------------------------------------- Matching networks

  @Test
  void matchingNetPredictsTheAttentionWeightedLabelVote() {
    Params theta = EMBEDDING.init(9, DataType.DOUBLE);
    Data support = balanced(90, 1, 2, 2, 3);
    Data query = randomLabels(100, 1, 3, 2, 3);
    MatchingNet matching = new MatchingNet(EMBEDDING, 2.0);
    Params adapted = matching.adapt(theta, support, 0);
    INDArray s = EMBEDDING.forward(theta, support.x()).value();
    INDArray z = EMBEDDING.forward(theta, query.x()).value();
    INDArray logp = matching.predict(adapted, query.x()).value();
    INDArray y = support.y().value();
    for (int q = 0; q < 3; q++) {
      double[] a = new double[4];
      double total = 0;
      for (int i = 0; i < 4; i++) {
        double dot = 0;
        double nz = 0;
        double ns = 0;
        for (int j = 0; j < 4; j++) {
          dot += z.getDouble(0, q, j) * s.getDouble(0, i, j);
          nz += z.getDouble(0, q, j) * z.getDouble(0, q, j);
          ns += s.getDouble(0, i, j) * s.getDouble(0, i, j);
        }
        a[i] = Math.exp(2.0 * dot / Math.sqrt((nz + MatchingNet.COSINE_EPS) * (ns + MatchingNet.COSINE_EPS)));
        total += a[i];
      }
      double sumP = 0;
      for (int k = 0; k < 2; k++) {
        double p = 0;
        for (int i = 0; i < 4; i++) {
          p += a[i] / total * y.getDouble(0, i, k);
        }
        assertEquals(Math.log(p), logp.getDouble(0, q, k), 1e-13);
        sumP += Math.exp(logp.getDouble(0, q, k));
      }
      assertEquals(1.0, sumP, 1e-13, "class probabilities sum to one");
    }
    double err = GradientCheck.gradientError(
        vars -> matching.metaLoss(Params.of(theta.names(), vars), support, query), values(theta.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "matching-net gradient vs central differences: rel err " + err);
  }

  // ---------------------------------------------------------------- Bayesian ProtoNet

  @Test
  void bayesianProtoNetPosteriorAndPredictiveMatchTheConjugateFormulas() {
    double sigma2 = 0.7;
    double prior = 1.5;
    BayesianProtoNet bayes = new BayesianProtoNet(EMBEDDING, prior, sigma2, false);
    Params theta = EMBEDDING.init(11, DataType.DOUBLE);
    int[][] labels = {{0, 1, 1, 2, 2, 2}}; // unequal shots: 1, 2, 3
    Data support = PointEstimateFixtures.classification(110, labels, 3, 3);
    Data query = randomLabels(120, 1, 4, 3, 3);
    Params adapted = bayes.adapt(theta, support, 0);
    INDArray e = EMBEDDING.forward(theta, support.x()).value();
    INDArray z = EMBEDDING.forward(theta, query.x()).value();
    INDArray logits = bayes.predict(adapted, query.x()).value();
    for (int k = 0; k < 3; k++) {
      // Conjugate update written as precisions: 1/v = 1/σ0² + n/σ², m = v · S/σ².
      int n = k + 1;
      double v = 1 / (1 / prior + n / sigma2);
      assertEquals(v, adapted.get(BayesianProtoNet.POSTERIOR_VARIANCE).value().getDouble(0, k, 0), 1e-14);
      double[] m = new double[4];
      for (int j = 0; j < 4; j++) {
        double sum = 0;
        for (int i = 0; i < 6; i++) {
          sum += labels[0][i] == k ? e.getDouble(0, i, j) : 0;
        }
        m[j] = v * sum / sigma2;
        assertEquals(m[j], adapted.get(BayesianProtoNet.POSTERIOR_MEAN).value().getDouble(0, k, j), 1e-14);
      }
      double s2 = v + sigma2;
      for (int q = 0; q < 4; q++) {
        double logDensity = 0;
        for (int j = 0; j < 4; j++) {
          double d = z.getDouble(0, q, j) - m[j];
          logDensity += -0.5 * Math.log(2 * Math.PI * s2) - d * d / (2 * s2);
        }
        assertEquals(logDensity, logits.getDouble(0, q, k), 1e-12);
      }
    }
  }

  @Test
  void bayesianProtoNetDiffersFromProtoNetWithUnequalShotsOrAnInformativePrior() {
    Params theta = EMBEDDING.init(12, DataType.DOUBLE);
    Data query = randomLabels(130, 1, 6, 3, 3);
    double tau = BayesianProtoNet.matchingTemperature(0.5, 2);
    ProtoNet proto = new ProtoNet(EMBEDDING, tau);
    Data equal = balanced(140, 1, 3, 2, 3);
    Data unequal = PointEstimateFixtures.classification(150, new int[][] {{0, 1, 2, 2, 2, 2}}, 3, 3);
    BayesianProtoNet flat = new BayesianProtoNet(EMBEDDING, Double.POSITIVE_INFINITY, 0.5, false);
    BayesianProtoNet informative = new BayesianProtoNet(EMBEDDING, 0.1, 0.5, false);
    double protoEqual = proto.metaLoss(theta, equal, query).item();
    assertEquals(protoEqual, flat.metaLoss(theta, equal, query).item(), 1e-12, "equal shots, flat prior: ProtoNet");
    double protoUnequal = proto.metaLoss(theta, unequal, query).item();
    assertTrue(Math.abs(flat.metaLoss(theta, unequal, query).item() - protoUnequal) > 1e-4,
        "unequal shots: wider predictives for rarer classes");
    assertTrue(Math.abs(informative.metaLoss(theta, equal, query).item() - protoEqual) > 1e-4,
        "informative prior: shrinkage");
  }

  @Test
  void bayesianProtoNetWithThePapersTemperatureIsThePlainProtoNet() {
    // σ² = n / (2(n + 1)) makes τ = 2σ²(1 + 1/n) = 1.
    int shots = 3;
    double sigma2 = shots / (2.0 * (shots + 1));
    assertEquals(1.0, BayesianProtoNet.matchingTemperature(sigma2, shots), 1e-15);
    Params theta = EMBEDDING.init(13, DataType.DOUBLE);
    Data support = balanced(160, 2, 3, shots, 3);
    Data query = randomLabels(170, 2, 5, 3, 3);
    BayesianProtoNet bayes = new BayesianProtoNet(EMBEDDING, Double.POSITIVE_INFINITY, sigma2, false);
    double a = bayes.metaLoss(theta, support, query).item();
    double b = new ProtoNet(EMBEDDING).metaLoss(theta, support, query).item();
    assertEquals(b, a, 1e-12);
  }

  @Test
  void bayesianProtoNetLearnedVarianceGradientMatchesFiniteDifferences() {
    BayesianProtoNet bayes = new BayesianProtoNet(EMBEDDING, 2.0, 0.5, true);
    Params meta = bayes.initialize(14, DataType.DOUBLE);
    assertEquals(Math.log(0.5), meta.get(BayesianProtoNet.LOG_OBSERVATION_VARIANCE).item(), 1e-15);
    Data support = PointEstimateFixtures.classification(180, new int[][] {{0, 1, 2, 2}, {2, 1, 0, 0}}, 3, 3);
    Data query = randomLabels(190, 2, 4, 3, 3);
    double err = GradientCheck.gradientError(vars -> bayes.metaLoss(Params.of(meta.names(), vars), support, query),
        values(meta.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "Bayesian ProtoNet gradient (θ and log σ²) vs central differences: rel err " + err);
  }

  @Test
  void bayesianProtoNetSamplesAreCentredOnThePosteriorMean() {
    BayesianProtoNet bayes = new BayesianProtoNet(EMBEDDING, 1.0, 0.5, false);
    Params theta = EMBEDDING.init(15, DataType.DOUBLE).detach();
    BayesianProtoNet.ClassMeanPosterior q = bayes.posterior(theta, balanced(200, 1, 2, 2, 3));
    assertFalse(q.isPointMass());
    INDArray sum = Nd4j.zeros(DataType.DOUBLE, q.mean().shape());
    INDArray sq = Nd4j.zeros(DataType.DOUBLE, q.mean().shape());
    int k = 2000;
    for (Params s : q.sample(k, 3)) {
      INDArray d = s.get(BayesianProtoNet.POSTERIOR_MEAN).value().sub(q.mean().value());
      sum.addi(d);
      sq.addi(d.mul(d));
    }
    double v = q.variance().value().getDouble(0);
    assertTrue(sum.div(k).amaxNumber().doubleValue() < 4 * Math.sqrt(v / k), "sample mean off the posterior mean");
    double varErr = sq.div(k).sub(v).amaxNumber().doubleValue();
    assertTrue(varErr < 0.15 * v, "sample variance off by " + varErr + " (v = " + v + ")");
    assertEquals(q.sample(5).get(BayesianProtoNet.POSTERIOR_MEAN).value(),
        q.sample(5).get(BayesianProtoNet.POSTERIOR_MEAN).value(), "samples are reproducible for a seed");
  }

  // ---------------------------------------------------------------- Conv-4 embedding

  @Test
  void conv4EmbeddingExposesTheBodyAndServesTheMetricMethods() {
    Conv4 conv4 = new Conv4(1, 4, 16, 5);
    Conv4Embedding body = new Conv4Embedding(conv4);
    assertFalse(body.parameterShapes().containsKey("head.weight"));
    assertEquals(conv4.parameterShapes().size() - 2, body.parameterShapes().size());
    Params theta = body.init(1, DataType.DOUBLE);
    Params full = conv4.init(1, DataType.DOUBLE);
    assertEquals(full.get(Conv4.conv(0)).value(), theta.get(Conv4.conv(0)).value());
    int[][] labels = {{0, 1, 0, 1}};
    Data support = new Data(Tensor.constant(GradientCheck.uniform(1, 0, 1, 1, 4, 1, 16, 16)),
        Tensor.constant(PointEstimateFixtures.oneHot(labels, 2)));
    Data query = new Data(Tensor.constant(GradientCheck.uniform(2, 0, 1, 1, 4, 1, 16, 16)),
        Tensor.constant(PointEstimateFixtures.oneHot(labels, 2)));
    assertArrayEquals(new long[] {1, 4, body.embeddingSize()}, body.forward(theta, support.x()).shape());
    Tensor loss = new ProtoNet(body).metaLoss(theta, support, query);
    assertTrue(Double.isFinite(loss.item()));
    for (INDArray g : grad(loss, theta.tensors())) {
      assertTrue(Double.isFinite(g.norm2Number().doubleValue()));
    }
  }

  @Test
  void metricMethodsRunInFloat32() {
    Params theta = EMBEDDING.init(17, DataType.FLOAT);
    Data s = balanced(230, 2, 3, 2, 3);
    Data q = randomLabels(240, 2, 4, 3, 3);
    Data support = new Data(Tensor.constant(s.x().value().castTo(DataType.FLOAT)),
        Tensor.constant(s.y().value().castTo(DataType.FLOAT)));
    Data query = new Data(Tensor.constant(q.x().value().castTo(DataType.FLOAT)),
        Tensor.constant(q.y().value().castTo(DataType.FLOAT)));
    List<MetaLearner> learners = List.of(new ProtoNet(EMBEDDING), new MatchingNet(EMBEDDING),
        new BayesianProtoNet(EMBEDDING, 1.0, 0.5, false),
        new BayesianProtoNet(EMBEDDING, Double.POSITIVE_INFINITY, 0.5, true));
    for (MetaLearner learner : learners) {
      Params meta = learner.initialize(17, DataType.FLOAT);
      Tensor loss = learner.metaLoss(meta, support, query);
      assertEquals(DataType.FLOAT, loss.dtype());
      assertTrue(Double.isFinite(loss.item()), learner.getClass().getSimpleName() + " loss " + loss.item());
      for (INDArray g : grad(loss, meta.tensors())) {
        assertTrue(Double.isFinite(g.norm2Number().doubleValue()));
      }
    }
    assertEquals(DataType.FLOAT, theta.get(Mlp.weight(0)).dtype());
  }

  // ---------------------------------------------------------------- bad input

  private static void rejects(String mustMention, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(mustMention),
        "message should mention '" + mustMention + "': " + ex.getMessage());
  }

  @Test
  void invalidHyperparametersAreRejectedNamingTheValue() {
    rejects("-0.1", () -> Fomaml.create(MLP, MSE, 1, -0.1));
    rejects("-1", () -> Fomaml.create(MLP, MSE, -1, 0.1));
    rejects("0", () -> new Reptile(MLP, MSE, 0, 0.1));
    rejects("-0.5", () -> new Reptile(MLP, MSE, 2, -0.5));
    rejects("NaN", () -> new Reptile(MLP, MSE, 2, Double.NaN));
    rejects("layer7.weight", () -> new Anil(MLP, MSE, List.of("layer7.weight"), 1, 0.1, GradientOrder.SECOND));
    rejects("none", () -> new Anil(MLP, MSE, List.of(), 1, 0.1, GradientOrder.SECOND));
    rejects("twice", () -> new Anil(MLP, MSE, List.of(Mlp.weight(1), Mlp.weight(1)), 1, 0.1, GradientOrder.SECOND));
    rejects("-0.1", () -> new Anil(MLP, MSE, List.of(Mlp.weight(1)), 1, -0.1, GradientOrder.SECOND));
    rejects("0", () -> new MetaSgd(MLP, MSE, 0, 0.1, GradientOrder.SECOND));
    rejects("-0.01", () -> new MetaSgd(MLP, MSE, 1, -0.01, GradientOrder.SECOND));
    rejects("Infinity", () -> new MetaSgd(MLP, MSE, 1, Double.POSITIVE_INFINITY, GradientOrder.SECOND));
    rejects("0.0", () -> new ProtoNet(EMBEDDING, 0.0));
    rejects("-2.0", () -> new MatchingNet(EMBEDDING, -2.0));
    rejects("-1.0", () -> new BayesianProtoNet(EMBEDDING, -1.0, 0.5, false));
    rejects("0.0", () -> new BayesianProtoNet(EMBEDDING, 1.0, 0.0, false));
    rejects("0", () -> BayesianProtoNet.matchingTemperature(0.5, 0));
  }

  @Test
  void aClassWithoutSupportExamplesIsRejected() {
    Params theta = EMBEDDING.init(16, DataType.DOUBLE);
    Data missing = PointEstimateFixtures.classification(210, new int[][] {{0, 0, 2, 2}}, 3, 3);
    Data query = randomLabels(220, 1, 3, 3, 3);
    rejects("class 1", () -> new ProtoNet(EMBEDDING).metaLoss(theta, missing, query));
    rejects("class 1", () -> new MatchingNet(EMBEDDING).metaLoss(theta, missing, query));
    rejects("class 1", () -> new BayesianProtoNet(EMBEDDING, 1.0, 1.0, false).metaLoss(theta, missing, query));
  }

  @Test
  void anilOnConv4AdaptsItsLinearHead() {
    Anil anil = Anil.conv4(new Conv4(1, 4, 16, 3), (phi, d) -> Ops.sum(d.y(), false, 1, 2), 1, 0.1,
        GradientOrder.FIRST);
    assertEquals(List.of("head.weight", "head.bias"), anil.headNames());
  }
}
