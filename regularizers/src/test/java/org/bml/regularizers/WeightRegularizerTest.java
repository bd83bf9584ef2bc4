package org.bml.regularizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** MR-MAML(W)'s regulariser: closed-form KL, reparameterised samples, zero variance, bad input. */
class WeightRegularizerTest {
  private static final Mlp NET = new Mlp(Activation.TANH, 2, 3, 1);
  private static final List<String> BODY = List.of(Mlp.weight(0), Mlp.biasName(0));

  private static Params meta(WeightRegularizer r) {
    return r.initialize(NET.init(5, DataType.DOUBLE));
  }

  /** KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (σ² + μ² − 1 − 2 log σ), summed by hand over every element (1e-12). */
  @Test
  void klIsTheClosedFormSum() {
    double logStd = -0.7;
    WeightRegularizer r = new WeightRegularizer(BODY, 0.3, logStd);
    Params meta = meta(r);
    double expected = 0;
    for (String n : BODY) {
      for (double mu : meta.get(n).value().dup().data().asDouble()) {
        expected += 0.5 * (Math.exp(2 * logStd) + mu * mu - 1 - 2 * logStd);
      }
    }
    assertEquals(expected, r.kl(meta).item(), 1e-12);
    assertEquals(0.3 * expected, r.penalty(meta).item(), 1e-12);
  }

  /** θ = μ + σ ⊙ ε: the sample is reproducible for a seed, differs across seeds, and is differentiable in log σ. */
  @Test
  void samplesAreReparameterised() {
    WeightRegularizer r = new WeightRegularizer(BODY, 1.0, -1.0);
    Params meta = meta(r);
    Params a = r.sample(meta, 11);
    Params b = r.sample(meta, 11);
    Params c = r.sample(meta, 12);
    assertEquals(a.get(Mlp.weight(0)).value(), b.get(Mlp.weight(0)).value());
    assertTrue(a.get(Mlp.weight(0)).value().sub(c.get(Mlp.weight(0)).value()).amaxNumber().doubleValue() > 1e-3);
    assertSame(meta.get(Mlp.weight(1)), a.get(Mlp.weight(1)), "the adapted head is not sampled");
    assertTrue(!a.has(WeightRegularizer.logStdName(Mlp.weight(0))), "samples are plain model parameters");
    Tensor s = a.get(Mlp.weight(0)).sumAll();
    Tensor g = Autodiff.grad(s, meta.get(WeightRegularizer.logStdName(Mlp.weight(0))), false);
    // d/d log σ of Σ (μ + e^{log σ} ε) = σ ε = θ − μ
    assertEquals(a.get(Mlp.weight(0)).value().sub(meta.get(Mlp.weight(0)).value()), g.value());
  }

  @Test
  void zeroVarianceIsTheMeanExactlyAndHasNoPenalty() {
    WeightRegularizer r = WeightRegularizer.zeroVariance(BODY);
    Params init = NET.init(5, DataType.DOUBLE);
    Params meta = r.initialize(init);
    assertEquals(init.names(), meta.names(), "no log σ tensors for zero variance");
    Params theta = r.sample(meta, 3);
    for (String n : init.names()) {
      assertSame(init.get(n), theta.get(n));
    }
    assertEquals(0.0, r.penalty(meta).item());
    assertTrue(!r.penalises());
  }

  /**
   * A fixed σ: no log σ meta-parameters; samples, KL and penalty equal the learned-σ regulariser's
   * at log σ = log σ0 (same seed), and the penalty's gradient is β·θ_μ (weight decay), exactly in float64.
   */
  @Test
  void fixedStdIsTheLearnedFormWithConstantSigma() {
    double logStd = -2.3;
    WeightRegularizer fixed = WeightRegularizer.fixedStd(BODY, 0.4, logStd);
    WeightRegularizer learned = new WeightRegularizer(BODY, 0.4, logStd);
    Params init = NET.init(5, DataType.DOUBLE);
    Params metaFixed = fixed.initialize(init);
    Params metaLearned = learned.initialize(init);
    assertEquals(init.names(), metaFixed.names(), "no log σ tensors for a fixed σ");
    assertTrue(!fixed.learnsStd() && learned.learnsStd() && fixed.penalises() && !fixed.isZeroVariance());
    Params a = fixed.sample(metaFixed, 17);
    Params b = learned.sample(metaLearned, 17);
    for (String n : init.names()) {
      assertEquals(b.get(n).value(), a.get(n).value(), n);
    }
    assertEquals(learned.kl(metaLearned).item(), fixed.kl(metaFixed).item(), 1e-12);
    Tensor w = metaFixed.get(Mlp.weight(0));
    Tensor g = Autodiff.grad(fixed.penalty(metaFixed), w, false);
    assertTrue(g.value().equalsWithEps(w.value().mul(0.4), 1e-15), g.value().toString());
    assertTrue(fixed.toString().contains("fixed log σ=-2.3"), fixed.toString());
    assertMessage(IllegalArgumentException.class, () -> WeightRegularizer.fixedStd(BODY, 1, Double.NaN), "log σ");
    assertMessage(IllegalArgumentException.class, () -> WeightRegularizer.fixedStd(BODY, -1, -5), "β must be");
  }

  @Test
  void badInputIsRejectedClearly() {
    assertMessage(IllegalArgumentException.class, () -> new WeightRegularizer(BODY, -0.1, -5), "β must be finite and >= 0, got -0.1");
    assertMessage(IllegalArgumentException.class, () -> new WeightRegularizer(BODY, Double.NaN, -5), "got NaN");
    assertMessage(IllegalArgumentException.class, () -> new WeightRegularizer(BODY, 1, Double.NEGATIVE_INFINITY), "initial log σ");
    assertMessage(IllegalArgumentException.class, () -> WeightRegularizer.zeroVariance(BODY, 0.5), "zero variance needs β = 0");
    assertMessage(IllegalArgumentException.class, () -> new WeightRegularizer(List.of(), 1, -5), "at least one");
    assertMessage(IllegalArgumentException.class,
        () -> new WeightRegularizer(List.of(Mlp.weight(0), Mlp.weight(0)), 1, -5), "given twice");
    WeightRegularizer r = new WeightRegularizer(List.of("nope"), 1, -5);
    assertMessage(IllegalArgumentException.class, () -> r.initialize(NET.init(1, DataType.DOUBLE)), "'nope'");

    WeightRegularizer ok = new WeightRegularizer(BODY, 1, -5);
    Params meta = meta(ok);
    String ls = WeightRegularizer.logStdName(Mlp.weight(0));
    Params nan = meta.with(ls, Tensor.variable(Nd4j.valueArrayOf(meta.get(ls).shape(), Double.NaN, DataType.DOUBLE)));
    assertMessage(IllegalArgumentException.class, () -> ok.penalty(nan), ls);
    assertMessage(IllegalArgumentException.class, () -> ok.sample(nan, 1), ls);
  }

  /** A KL that overflows (σ² = e^800, or μ² = 1e400) is an ArithmeticException naming the extremes, never Inf/NaN. */
  @Test
  void overflowingKlIsReported() {
    WeightRegularizer r = new WeightRegularizer(BODY, 1e-3, -5);
    Params meta = meta(r);
    String ls = WeightRegularizer.logStdName(Mlp.biasName(0));
    Params hugeSigma = meta.with(ls, Tensor.variable(Nd4j.valueArrayOf(meta.get(ls).shape(), 400.0, DataType.DOUBLE)));
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> r.penalty(hugeSigma));
    assertTrue(e.getMessage().contains("KL(q(θ) ‖ N(0, I))") && e.getMessage().contains("max log θ_σ = 400"),
        e.getMessage());
    Params hugeMean = meta.with(Mlp.weight(0),
        Tensor.variable(Nd4j.valueArrayOf(meta.get(Mlp.weight(0)).shape(), 1e200, DataType.DOUBLE)));
    assertThrows(ArithmeticException.class, () -> r.penalty(hugeMean));
  }

  static void assertMessage(Class<? extends RuntimeException> type, Runnable r, String fragment) {
    RuntimeException e = assertThrows(type, r::run);
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should contain '" + fragment + "'");
  }
}
