package org.bml.regularizers;

import static org.bml.regularizers.WeightRegularizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** MR-MAML(A)'s bottleneck and its KL: closed forms, zero variance, Conv-4 encoder, bad input. */
class StochasticBottleneckTest {
  private static final int LATENT = 2;
  private static final StochasticBottleneck NET = new StochasticBottleneck(new Mlp(Activation.TANH, 3, 4, 2 * LATENT),
      new Mlp(Activation.TANH, LATENT, 3, 1), LATENT);

  private static Tensor x(long seed, int tasks, int points) {
    return Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, 3));
  }

  /** KL per task = mean over points of ½ Σ_d (σ² + μ² − 1 − log σ²), by hand from μ and σ (1e-12). */
  @Test
  void klIsTheClosedFormAveragedOverPoints() {
    Params p = NET.init(3, DataType.DOUBLE);
    StochasticBottleneck.Encoding q = NET.encode(p, x(4, 2, 5));
    INDArray mu = q.mean().value();
    INDArray sd = q.std().value();
    Tensor kl = ActivationRegularizer.klPerTask(q);
    for (int t = 0; t < 2; t++) {
      double sum = 0;
      for (int i = 0; i < 5; i++) {
        for (int d = 0; d < LATENT; d++) {
          double m = mu.getDouble(t, i, d);
          double s = sd.getDouble(t, i, d);
          sum += 0.5 * (s * s + m * m - 1 - Math.log(s * s));
        }
      }
      assertEquals(sum / 5, kl.value().getDouble(t), 1e-12);
    }
    ActivationRegularizer r = new ActivationRegularizer(0.25);
    double mean = kl.value().meanNumber().doubleValue();
    assertEquals(0.25 * mean, r.penalty(List.of(q)).item(), 1e-12);
  }

  /** σ = softplus(s) from the encoder's second half; z = μ + σ ε is reproducible per seed. */
  @Test
  void encodingAndSamples() {
    Params p = NET.init(3, DataType.DOUBLE);
    Tensor in = x(4, 2, 5);
    Tensor out = new Mlp(Activation.TANH, 3, 4, 2 * LATENT).forward(Composed.part(p, Composed.ENCODER), in);
    StochasticBottleneck.Encoding q = NET.encode(p, in);
    assertEquals(Ops.slice(out, 2, 0, LATENT).value(), q.mean().value());
    assertEquals(Ops.softplus(Ops.slice(out, 2, LATENT, 2 * LATENT)).value(), q.std().value());
    assertEquals(q.sample(9).value(), q.sample(9).value());
    assertTrue(q.sample(9).value().sub(q.sample(10).value()).amaxNumber().doubleValue() > 1e-3);
    assertSame(q.mean(), ActivationRegularizer.zeroVariance().activations(q, 9), "zero variance: z = μ exactly");
    assertEquals(NET.decode(p, q.mean()).value(), NET.forward(p, in).value(), "forward is the mean path");
  }

  /** A Conv-4 with 2·latent outputs is an encoder too (images [T, n, 1, 28, 28]). */
  @Test
  void conv4EncoderWorks() {
    StochasticBottleneck conv = new StochasticBottleneck(new Conv4(1, 4, 28, 2 * LATENT),
        new Mlp(Activation.RELU, LATENT, 5), LATENT);
    Params p = conv.init(1, DataType.FLOAT);
    Tensor images = Tensor.constant(GradientCheck.uniform(2, 0, 1, 1, 3, 1, 28, 28).castTo(DataType.FLOAT));
    StochasticBottleneck.Encoding q = conv.encode(p, images);
    assertEquals(List.of(1L, 3L, (long) LATENT), List.of(q.mean().shape()[0], q.mean().shape()[1], q.mean().shape()[2]));
    assertEquals(5, conv.decode(p, q.sample(1)).size(2));
  }

  @Test
  void badInputIsRejectedClearly() {
    assertMessage(IllegalArgumentException.class, () -> new ActivationRegularizer(-1), "got -1.0");
    assertMessage(IllegalArgumentException.class, () -> ActivationRegularizer.zeroVariance(2.0), "zero variance needs β = 0");
    assertMessage(IllegalArgumentException.class, () -> new StochasticBottleneck(new Mlp(Activation.TANH, 3, 4),
        new Mlp(Activation.TANH, 2, 1), 0), "got 0");
    StochasticBottleneck wrong = new StochasticBottleneck(new Mlp(Activation.TANH, 3, 3), new Mlp(Activation.TANH, 2, 1), 2);
    assertMessage(IllegalArgumentException.class, () -> wrong.encode(wrong.init(1, DataType.DOUBLE), x(1, 1, 2)),
        "must output [T, n, 4]");
    // σ(x) that underflowed to 0 (softplus of a huge negative s) makes the KL infinite: reported, not NaN.
    Tensor mu = Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 2, 2));
    StochasticBottleneck.Encoding collapsed = new StochasticBottleneck.Encoding(mu,
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 2, 2)));
    assertMessage(ArithmeticException.class, () -> new ActivationRegularizer(1).penalty(List.of(collapsed)), "0 < σ < ∞");
    StochasticBottleneck.Encoding huge = new StochasticBottleneck.Encoding(
        Tensor.constant(Nd4j.valueArrayOf(new long[] {1, 2, 2}, 1e200, DataType.DOUBLE)),
        Tensor.constant(Nd4j.ones(DataType.DOUBLE, 1, 2, 2)));
    assertMessage(ArithmeticException.class, () -> new ActivationRegularizer(1).penalty(List.of(huge)), "overflow");
  }
}
