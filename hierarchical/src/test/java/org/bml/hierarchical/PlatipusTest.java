package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.regression;
import static org.bml.hierarchical.BmamlTestData.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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

/** PLATIPUS: meta-gradient against central differences (float64), sampled hypotheses, bad input. */
class PlatipusTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 3, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final Data SUPPORT = regression(31, 2, 4, 1, 1);
  private static final Data QUERY = regression(33, 2, 5, 1, 1);

  private static Platipus.Config config(double klWeight) {
    return new Platipus.Config(2, 0.1, klWeight, 0.05, 0.02, 0.05, 0.07, GradientOrder.SECOND, false);
  }

  /** Meta-parameters with generic (non-constant) log-variances and γ, all entries perturbed from the seed. */
  private static List<INDArray> genericPoint(Platipus p, long seed) {
    Params meta = p.initialize(seed, DataType.DOUBLE);
    List<INDArray> at = new ArrayList<>();
    int i = 0;
    for (Tensor t : meta.tensors()) {
      at.add(t.value().add(GradientCheck.uniform(seed + 100 + i++, -0.02, 0.02, t.shape())));
    }
    return at;
  }

  @Test
  void metaGradientMatchesFiniteDifferences() {
    // Every meta-parameter (μ_θ, both log-variances, γ_p, γ_q) through sampling, two inner steps and the KL.
    Mlp tiny = new Mlp(Activation.TANH, 1, 2, 1);
    Platipus p = new Platipus(tiny, Likelihood.meanSquaredError(tiny), config(0.7));
    List<String> names = p.initialize(1, DataType.DOUBLE).names();
    List<INDArray> at = genericPoint(p, 5);
    double err = GradientCheck.gradientError(vars -> p.metaLoss(Params.of(names, vars), SUPPORT, QUERY, 42), at,
        1e-6);
    assertTrue(err <= 1e-7, "PLATIPUS meta-gradient vs central differences: rel err " + err);
  }

  @Test
  void everyMetaParameterReceivesAGradientWithTheKlTerm() {
    Platipus p = new Platipus(MLP, MSE, config(0.7));
    Params meta = p.initialize(3, DataType.DOUBLE);
    List<INDArray> g = grad(p.metaLoss(meta, SUPPORT, QUERY, 9), meta.tensors());
    for (int i = 0; i < g.size(); i++) {
      assertTrue(g.get(i).norm2Number().doubleValue() > 0, meta.names().get(i) + " gets no gradient");
    }
  }

  @Test
  void hypothesesAreDistinctAndReproducibleBySeed() {
    Platipus p = new Platipus(MLP, MSE, config(0.5));
    Params meta = p.initialize(3, DataType.DOUBLE).detach();
    List<Params> a = p.hypotheses(meta, SUPPORT, 2, 4, 11);
    List<Params> b = p.hypotheses(meta, SUPPORT, 2, 4, 11);
    List<Params> c = p.hypotheses(meta, SUPPORT, 2, 4, 12);
    assertEquals(4, a.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(values(a.get(i).tensors()), values(b.get(i).tensors()), "same seed, hypothesis " + i);
      assertTrue(maxDiff(a.get(i), c.get(i)) > 1e-4, "another seed must draw other hypotheses");
      for (int j = 0; j < i; j++) {
        assertTrue(maxDiff(a.get(i), a.get(j)) > 1e-4, "hypotheses " + i + " and " + j + " coincide");
      }
      assertEquals(SUPPORT.tasks(), a.get(i).get(Mlp.weight(0)).size(0));
    }
    Platipus point = new Platipus(MLP, MSE, config(0).withZeroVariance());
    List<Params> one = point.hypotheses(meta, SUPPORT, 2, 4, 11);
    assertEquals(1, one.size(), "a point mass has one hypothesis");
    assertEquals(values(point.adapt(meta, SUPPORT, 2).tensors()), values(one.get(0).tensors()));
    assertThrows(IllegalArgumentException.class, () -> p.hypotheses(meta, SUPPORT, 2, 0, 1));
  }

  private static double maxDiff(Params a, Params b) {
    double m = 0;
    for (String n : a.names()) {
      m = Math.max(m, a.get(n).value().sub(b.get(n).value()).amaxNumber().doubleValue());
    }
    return m;
  }

  @Test
  void rejectsBadConfiguration() {
    GradientOrder o = GradientOrder.SECOND;
    assertMessage("inner step size", () -> new Platipus.Config(1, -0.1, 0, 1, 1, 0, 0, o, false));
    assertMessage("KL weight", () -> new Platipus.Config(1, 0.1, -1, 1, 1, 0, 0, o, false));
    assertMessage("KL weight", () -> new Platipus.Config(1, 0.1, Double.NaN, 1, 1, 0, 0, o, false));
    assertMessage("prior variance", () -> new Platipus.Config(1, 0.1, 0, 0, 1, 0, 0, o, false));
    assertMessage("prior variance", () -> new Platipus.Config(1, 0.1, 0, Double.POSITIVE_INFINITY, 1, 0, 0, o, false));
    assertMessage("posterior variance", () -> new Platipus.Config(1, 0.1, 0, 1, -2, 0, 0, o, false));
    assertMessage("posterior variance", () -> new Platipus.Config(1, 0.1, 0, 1, Double.NaN, 0, 0, o, false));
    assertMessage("γ_p", () -> new Platipus.Config(1, 0.1, 0, 1, 1, -0.1, 0, o, false));
    assertMessage("γ_q", () -> new Platipus.Config(1, 0.1, 0, 1, 1, 0, -0.1, o, false));
    assertMessage("inner steps", () -> new Platipus.Config(-1, 0.1, 0, 1, 1, 0, 0, o, false));
    assertMessage("KL weight must be 0", () -> new Platipus.Config(1, 0.1, 0.5, 1, 1, 0, 0, o, true));
  }

  @Test
  void rejectsInvalidVariancesInMetaParameters() {
    Params mu = MLP.init(1, DataType.DOUBLE);
    Params ones = fill(mu, 1.0);
    Params zeros = fill(mu, 0.0);
    assertMessage("prior variance", () -> Platipus.meta(mu, zeros, ones, zeros, zeros));
    assertMessage("posterior variance", () -> Platipus.meta(mu, ones, fill(mu, -1.0), zeros, zeros));
    assertMessage("posterior variance", () -> Platipus.meta(mu, ones, fill(mu, Double.POSITIVE_INFINITY), zeros, zeros));
    assertMessage("γ_p", () -> Platipus.meta(mu, ones, ones, fill(mu, Double.NaN), zeros));
    Platipus p = new Platipus(MLP, MSE, config(0.5));
    Params meta = Platipus.meta(mu, ones, ones, zeros, zeros);
    assertEquals(0.0, meta.get(Platipus.LOG_PRIOR_VARIANCE + Mlp.weight(0)).value().amaxNumber().doubleValue());
    // A NaN log-variance smuggled into the meta-parameters is named, not propagated.
    Params bad = meta.with(Platipus.LOG_POSTERIOR_VARIANCE + Mlp.weight(0),
        Tensor.constant(Nd4j.valueArrayOf(new long[] {1, 3}, Double.NaN, DataType.DOUBLE)));
    assertMessage("log-variance", () -> p.metaLoss(bad, SUPPORT, QUERY, 1));
  }

  @Test
  void klOverflowIsAnErrorNotANan() {
    Platipus p = new Platipus(MLP, MSE, config(1.0));
    Params mu = MLP.init(1, DataType.DOUBLE);
    // σ²_θ = e^{−800}: v_q / σ²_θ = e^{800} overflows float64 in the closed-form KL.
    Params meta = Platipus.meta(mu, fill(mu, 1.0), fill(mu, 1.0), fill(mu, 0.1), fill(mu, 0.1))
        .mapNamed((n, t) -> n.startsWith(Platipus.LOG_PRIOR_VARIANCE)
            ? Tensor.variable(Nd4j.valueArrayOf(t.shape(), -800.0, DataType.DOUBLE)) : t);
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> p.metaLoss(meta, SUPPORT, QUERY, 1));
    assertTrue(e.getMessage().contains("KL"), e.getMessage());
  }

  private static Params fill(Params like, double v) {
    return like.map(t -> Tensor.constant(Nd4j.valueArrayOf(t.shape(), v, DataType.DOUBLE)));
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' should mention " + fragment);
  }
}
