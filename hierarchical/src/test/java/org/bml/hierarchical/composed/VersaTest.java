package org.bml.hierarchical.composed;

import static org.bml.hierarchical.composed.ComposedTestData.regression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import org.bml.inference.variational.DiagonalGaussianPosterior;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** VERSA in float64: shapes, seeding, no inner steps, meta-gradient vs central differences (both likelihoods). */
class VersaTest {
  private static Versa versa(Versa.Output output, int outputs) {
    return new Versa(new Mlp(Activation.TANH, 2, 4, 3), false, 3, outputs, 5, 3, -1.0, output, 0.5, 3);
  }

  // The network's last layer starts at zero (no gradient reaches the layers before it): move every value.
  private static List<INDArray> perturbed(Params meta, long seed) {
    List<INDArray> out = new ArrayList<>();
    int i = 0;
    for (Tensor t : meta.tensors()) {
      out.add(t.value().add(GradientCheck.uniform(seed + i++, -0.3, 0.3, t.shape())));
    }
    return out;
  }

  private static Data classification(long seed, int tasks, int points, int classes) {
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, points, classes);
    for (int t = 0; t < tasks; t++) {
      for (int n = 0; n < points; n++) {
        y.putScalar(new long[] {t, n, (t + n) % classes}, 1.0);
      }
    }
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, 2)), Tensor.constant(y));
  }

  @Test
  void metaGradientMatchesFiniteDifferences() {
    for (Versa.Output output : Versa.Output.values()) {
      boolean regression = output == Versa.Output.REGRESSION;
      Versa versa = versa(output, regression ? 1 : 3);
      Params meta = versa.initialize(5, DataType.DOUBLE);
      Data support = regression ? regression(81, 2, 5, 2, 1) : classification(81, 2, 6, 3);
      Data query = regression ? regression(83, 2, 4, 2, 1) : classification(83, 2, 6, 3);
      List<Tensor> at = new ArrayList<>();
      perturbed(meta, 90).forEach(v -> at.add(Tensor.constant(v)));
      double err = ComposedTestData.directionalError(p -> versa.metaLoss(p, support, query, 11),
          Params.of(meta.names(), at), 4, 1e-6, 99);
      assertTrue(err <= 1e-7, output + ": VERSA meta-gradient vs central differences along 4 directions: rel err " + err);
    }
  }

  @Test
  void shapesSeedsAndNoInnerSteps() {
    Versa versa = versa(Versa.Output.REGRESSION, 1);
    List<INDArray> values = perturbed(versa.initialize(6, DataType.DOUBLE), 7);
    List<Tensor> ts = new ArrayList<>();
    values.forEach(v -> ts.add(Tensor.constant(v)));
    Params meta = Params.of(versa.initialize(6, DataType.DOUBLE).names(), ts);
    Data support = regression(91, 3, 5, 2, 1);
    Data query = regression(93, 3, 4, 2, 1);
    DiagonalGaussianPosterior q = versa.posterior(meta, support);
    assertArrayEquals(new long[] {3, 3, 1}, q.mean().get(Versa.HEAD + Mlp.weight(0)).shape());
    assertArrayEquals(new long[] {3, 1}, q.mean().get(Versa.HEAD + Mlp.biasName(0)).shape());
    Params adapted = versa.adapt(meta, support, 0);
    assertArrayEquals(new long[] {3, 4, 1}, versa.predict(adapted, query.x()).shape());
    assertArrayEquals(new long[] {3}, versa.perTaskLoss(adapted, query).shape());
    assertEquals(adapted.get(Versa.HEAD + Mlp.weight(0)).value(),
        versa.adapt(meta, support, 10).get(Versa.HEAD + Mlp.weight(0)).value(), "no inner steps: steps are ignored");
    double a = versa.metaLoss(meta, support, query, 3).item();
    assertEquals(a, versa.metaLoss(meta, support, query, 3).item(), 0.0);
    assertNotEquals(a, versa.metaLoss(meta, support, query, 4).item());
    List<Params> hyp = versa.hypotheses(meta, support, 0, 4, 12);
    assertEquals(4, hyp.size());
    assertNotEquals(hyp.get(0).get(Versa.HEAD + Mlp.weight(0)).value(), hyp.get(1).get(Versa.HEAD + Mlp.weight(0)).value());
    assertEquals(versa.hypotheses(meta, support, 0, 4, 12).get(2).get(Versa.HEAD + Mlp.weight(0)).value(),
        hyp.get(2).get(Versa.HEAD + Mlp.weight(0)).value(), "hypotheses are reproducible for a seed");
  }

  // The paper's per-class amortization: relabelling the support classes by π permutes the head's
  // columns, so the predicted logits are permuted by π too (and the body's features are untouched).
  @Test
  void relabellingTheClassesPermutesThePredictions() {
    Versa versa = versa(Versa.Output.CLASSIFICATION, 3);
    List<Tensor> ts = new ArrayList<>();
    perturbed(versa.initialize(8, DataType.DOUBLE), 21).forEach(v -> ts.add(Tensor.constant(v)));
    Params meta = Params.of(versa.initialize(8, DataType.DOUBLE).names(), ts);
    Data support = classification(31, 2, 6, 3);
    Data query = classification(33, 2, 5, 3);
    int[] pi = {2, 0, 1};
    INDArray y = support.y().value();
    INDArray relabelled = Nd4j.zeros(DataType.DOUBLE, y.shape());
    for (int c = 0; c < 3; c++) {
      relabelled.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
          org.nd4j.linalg.indexing.NDArrayIndex.point(pi[c])).assign(
          y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
              org.nd4j.linalg.indexing.NDArrayIndex.point(c)));
    }
    Data permuted = new Data(support.x(), Tensor.constant(relabelled));
    INDArray logits = versa.predict(versa.adapt(meta, support, 0), query.x()).value();
    INDArray permutedLogits = versa.predict(versa.adapt(meta, permuted, 0), query.x()).value();
    double scale = logits.amaxNumber().doubleValue();
    assertTrue(scale > 1e-3, "the logits are not all zero: " + scale);
    boolean anyDiffers = false;
    for (int t = 0; t < 2; t++) {
      for (int n = 0; n < 5; n++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(logits.getDouble(t, n, c), permutedLogits.getDouble(t, n, pi[c]), 1e-12 * scale,
              "task " + t + ", point " + n + ", class " + c);
          anyDiffers |= Math.abs(logits.getDouble(t, n, c) - permutedLogits.getDouble(t, n, c)) > 1e-6 * scale;
        }
      }
    }
    assertTrue(anyDiffers, "the permutation is visible in the logits (not a symmetric head)");
  }

  @Test
  void badSettingsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Versa(new Mlp(Activation.TANH, 2, 4, 3), false, 3, 1, 5, 3, -1, Versa.Output.REGRESSION, 0, 1));
    assertTrue(e.getMessage().contains("noise"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Versa(new Mlp(Activation.TANH, 2, 4, 3), false, 3, 1, 5, 3, -1, Versa.Output.REGRESSION, 1, 0));
  }
}
