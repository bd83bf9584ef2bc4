package org.bml.algorithms.predictive;

import static org.bml.algorithms.predictive.UncertaintyMetricsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.BayesianProtoNet;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Predictive distributions built from real learners' hypotheses, and the noise models. */
class PredictivesTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 8, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final Maml MAML = new Maml(MLP, MSE, 2, 0.1, GradientOrder.SECOND);

  private static Data regression(long seed, int tasks, int points) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -2, 2, tasks, points, 1)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, 1)));
  }

  @Test
  void aPointEstimateGivesOneHypothesisWhosePredictionsAreTheAdaptedModels() {
    Params theta = MLP.init(3, DataType.DOUBLE);
    Data support = regression(10, 3, 5);
    Tensor x = Tensor.constant(GradientCheck.uniform(12, -2, 2, 3, 7, 1));
    RegressionPredictive p = Predictives.regression(MAML, theta, support, x, 2, 10, 99, NoiseModel.fixed(0.2));
    assertEquals(1, p.hypotheses(), "a delta posterior has one hypothesis");
    double[][][] expected = Predictives.values(MAML.predict(MAML.adapt(theta.detach(), support, 2), x).value(), "f");
    assertArrayEquals(UncertaintyMetrics.flatten(expected), UncertaintyMetrics.flatten(p.mean()), 0);
    assertArrayEquals(UncertaintyMetrics.flatten(expected), UncertaintyMetrics.flatten(p.predictions()[0]), 0);
    // One hypothesis: the variance is the noise alone.
    for (double v : UncertaintyMetrics.flatten(p.variance())) {
      assertEquals(0.2, v, 1e-15);
    }
  }

  @Test
  void supportResidualNoiseIsEachHypothesisMeanSquaredErrorOnTheSupportSet() {
    Params theta = MLP.init(4, DataType.DOUBLE);
    Data support = regression(20, 4, 6);
    List<Params> hs = List.of(MAML.adapt(theta, support, 1), MAML.adapt(theta, support, 3));
    double[][] v = NoiseModel.supportResiduals(1e-9).variances(MAML, hs, support);
    for (int h = 0; h < 2; h++) {
      assertArrayEquals(MAML.perTaskLoss(hs.get(h), support).value().toDoubleVector(), v[h], 1e-15);
    }
    double[][] floored = NoiseModel.supportResiduals(10).variances(MAML, hs, support);
    for (double[] row : floored) {
      for (double s : row) {
        assertEquals(10, s);
      }
    }
  }

  @Test
  void logPrecisionNoiseReadsEachHypothesisParameter() {
    Params theta = MLP.init(5, DataType.DOUBLE);
    Data support = regression(30, 2, 3);
    Params a = theta.with("logGamma", Tensor.constant(Nd4j.createFromArray(Math.log(4), Math.log(0.5))));
    Params b = theta.with("logGamma", Tensor.constant(Nd4j.createFromArray(0.0)));
    double[][] v = NoiseModel.logPrecision("logGamma").variances(MAML, List.of(a, b), support);
    assertArrayEquals(new double[] {0.25, 2.0}, v[0], 1e-15);
    assertArrayEquals(new double[] {1.0, 1.0}, v[1], 0);
    assertBad("no parameter 'logGamma'", () -> NoiseModel.logPrecision("logGamma").variances(MAML, List.of(theta), support));
    Params c = theta.with("logGamma", Tensor.constant(Nd4j.createFromArray(0.0, 1.0, 2.0)));
    assertBad("1 or 2 values", () -> NoiseModel.logPrecision("logGamma").variances(MAML, List.of(c), support));
    Params d = theta.with("logGamma", Tensor.constant(Nd4j.createFromArray(-1000.0)));
    assertBad("σ² = Infinity", () -> NoiseModel.logPrecision("logGamma").variances(MAML, List.of(d), support));
    assertBad("> 0", () -> NoiseModel.fixed(0));
    assertBad("> 0", () -> NoiseModel.supportResiduals(Double.NaN));
  }

  @Test
  void bayesianProtoNetSamplesClassMeansFromItsPosterior() {
    Mlp embedding = new Mlp(Activation.TANH, 3, 6, 4);
    BayesianProtoNet net = new BayesianProtoNet(embedding, 2.0, 0.5, false);
    Params theta = net.initialize(7, DataType.DOUBLE);
    Data support = classification(40, 2, 3, 2, 3);
    List<Params> hs = net.hypotheses(theta, support, 0, 400, 123);
    assertEquals(400, hs.size());
    List<Params> again = net.hypotheses(theta, support, 0, 2, 123);
    assertEquals(hs.get(0).get(BayesianProtoNet.POSTERIOR_MEAN).value(), again.get(0).get(BayesianProtoNet.POSTERIOR_MEAN).value(),
        "reproducible for a seed");
    assertFalse(hs.get(0).get(BayesianProtoNet.POSTERIOR_MEAN).value()
        .equals(hs.get(1).get(BayesianProtoNet.POSTERIOR_MEAN).value()), "distinct samples");
    // The sample mean of 400 draws of μ_c ~ N(m_c, v_c) lies within 5 standard errors of m_c.
    BayesianProtoNet.ClassMeanPosterior q = net.posterior(theta, support);
    INDArray m = q.mean().value();
    INDArray v = q.variance().value();
    INDArray sum = Nd4j.zeros(DataType.DOUBLE, m.shape());
    for (Params h : hs) {
      sum.addi(h.get(BayesianProtoNet.POSTERIOR_MEAN).value());
    }
    INDArray avg = sum.div(hs.size());
    for (int t = 0; t < m.size(0); t++) {
      for (int c = 0; c < m.size(1); c++) {
        double se = Math.sqrt(v.getDouble(t, c, 0) / hs.size());
        for (int j = 0; j < m.size(2); j++) {
          assertEquals(m.getDouble(t, c, j), avg.getDouble(t, c, j), 5 * se);
        }
      }
    }
    Tensor x = Tensor.constant(GradientCheck.uniform(41, -1.5, 1.5, 2, 5, 3));
    ClassificationPredictive p = Predictives.classification(net, theta, support, x, 0, 8, 5);
    assertEquals(8, p.hypotheses());
    for (double[] row : UncertaintyMetrics.rows(p.probabilities())) {
      assertEquals(1.0, row[0] + row[1] + row[2], 1e-12);
    }
    assertBad("k", () -> net.hypotheses(theta, support, 0, 0, 1));
  }

  @Test
  void labelsOfOneHotTargets() {
    INDArray y = Nd4j.create(new double[] {0, 1, 0, 1, 0, 0}, new long[] {1, 2, 3}, 'c');
    assertArrayEquals(new int[] {1, 0}, Predictives.labels(y)[0]);
    INDArray bad = Nd4j.create(new double[] {0, 0.5, 0.5, 1, 0, 0}, new long[] {1, 2, 3}, 'c');
    assertBad("not one-hot", () -> Predictives.labels(bad));
    INDArray two = Nd4j.create(new double[] {1, 1, 0}, new long[] {1, 1, 3}, 'c');
    assertBad("not one-hot", () -> Predictives.labels(two));
  }

  @Test
  void badArgumentsAndMisbehavingLearnersAreReported() {
    Params theta = MLP.init(3, DataType.DOUBLE);
    Data support = regression(10, 2, 4);
    Tensor x = Tensor.constant(GradientCheck.uniform(12, -2, 2, 3, 7, 1));
    assertBad("leading task axis", () -> Predictives.regression(MAML, theta, support, x, 1, 1, 0, NoiseModel.fixed(1)));
    Tensor ok = Tensor.constant(GradientCheck.uniform(12, -2, 2, 2, 7, 1));
    assertBad("k must be positive", () -> Predictives.regression(MAML, theta, support, ok, 1, 0, 0, NoiseModel.fixed(1)));
    assertBad("steps", () -> Predictives.regression(MAML, theta, support, ok, -1, 1, 0, NoiseModel.fixed(1)));
    assertBad("noise model", () -> Predictives.regression(MAML, theta, support, ok, 1, 1, 0, null));
    MetaLearner greedy = new Delegate(MAML) {
      @Override
      public List<Params> hypotheses(Params meta, Data s, int steps, int k, long seed) {
        List<Params> out = new ArrayList<>();
        for (int i = 0; i <= k; i++) {
          out.add(MAML.adapt(meta, s, steps));
        }
        return out;
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Predictives.regression(greedy, theta, support, ok, 1, 2, 0, NoiseModel.fixed(1)));
    assertTrue(e.getMessage().contains("3 hypotheses for k = 2"), e.getMessage());
  }

  static Data classification(long seed, int tasks, int ways, int perClass, int dim) {
    int n = ways * perClass;
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, ways);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new long[] {t, i, i % ways}, 1.0);
      }
    }
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, dim)), Tensor.constant(y));
  }

  /** A learner forwarding to another (to override one method). */
  private static class Delegate implements MetaLearner {
    private final MetaLearner inner;

    Delegate(MetaLearner inner) {
      this.inner = inner;
    }

    @Override
    public Params initialize(long seed, DataType dtype) {
      return inner.initialize(seed, dtype);
    }

    @Override
    public Tensor metaLoss(Params meta, Data support, Data query) {
      return inner.metaLoss(meta, support, query);
    }

    @Override
    public Params adapt(Params meta, Data support, int steps) {
      return inner.adapt(meta, support, steps);
    }

    @Override
    public Tensor predict(Params adapted, Tensor x) {
      return inner.predict(adapted, x);
    }

    @Override
    public Tensor perTaskLoss(Params adapted, Data data) {
      return inner.perTaskLoss(adapted, data);
    }
  }
}
