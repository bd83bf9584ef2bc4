package org.bml.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TruncatedGradientDescent#withRecompute()}: the checkpointed inner loop gives the
 * stored-graph meta-gradient (float64, relative 1e-12) for an MLP and a small Conv-4, first and
 * second order, several step counts and segmentations, with and without an explicit prior on θ;
 * a wrong segmentation (graph cut at a boundary) is detectably different; what it cannot do is
 * refused.
 */
class RecomputedInnerLoopTest {

  private static Data regression(long seed, int tasks, int points) {
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.rand(DataType.DOUBLE, tasks, points, 1).muli(4).subi(2);
    INDArray y = Nd4j.rand(DataType.DOUBLE, tasks, points, 1);
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  private static Data images(long seed, int tasks, int points, int classes) {
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.rand(DataType.DOUBLE, tasks, points, 1, 16, 16);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, points, classes);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < points; i++) {
        y.putScalar(new long[] {t, i, (i + t) % classes}, 1.0);
      }
    }
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  private static List<INDArray> metaGradient(TruncatedGradientDescent tgd, Model model, Likelihood lik, Data support,
      Data query) {
    Params theta = model.init(3, DataType.DOUBLE);
    Params phi = tgd.adapt(theta, support, lik, tgd.steps());
    Tensor loss = Ops.sum(lik.perTask(phi, query), false);
    return Autodiff.grad(loss, theta.tensors(), false).stream().map(Tensor::value).toList();
  }

  private static double maxRelativeDifference(List<INDArray> expected, List<INDArray> actual) {
    double worst = 0;
    for (int i = 0; i < expected.size(); i++) {
      double scale = expected.get(i).amaxNumber().doubleValue();
      worst = Math.max(worst, expected.get(i).sub(actual.get(i)).amaxNumber().doubleValue() / (1 + scale));
    }
    return worst;
  }

  @Test
  void mlpMetaGradientEqualsTheStoredGraphs() {
    Mlp model = new Mlp(Activation.TANH, 1, 8, 8, 1);
    Likelihood lik = Likelihood.meanSquaredError(model);
    Data support = regression(1, 3, 5);
    Data query = regression(2, 3, 5);
    for (GradientOrder order : GradientOrder.values()) {
      for (int k : new int[] {1, 2, 4, 7}) {
        TruncatedGradientDescent stored = new TruncatedGradientDescent(k, 0.1, order);
        List<INDArray> expected = metaGradient(stored, model, lik, support, query);
        for (TruncatedGradientDescent ck : List.of(stored.withRecompute(), stored.withRecompute(1),
            stored.withRecompute(k))) {
          double d = maxRelativeDifference(expected, metaGradient(ck, model, lik, support, query));
          assertTrue(d <= 1e-12, order + " K=" + k + " " + ck + ": relative difference " + d);
        }
      }
    }
  }

  @Test
  void conv4MetaGradientEqualsTheStoredGraphs() {
    Conv4 model = new Conv4(1, 3, 16, 3);
    Likelihood lik = Likelihood.softmaxCrossEntropy(model);
    Data support = images(4, 2, 3, 3);
    Data query = images(5, 2, 3, 3);
    for (GradientOrder order : GradientOrder.values()) {
      for (int k : new int[] {1, 3}) {
        TruncatedGradientDescent stored = new TruncatedGradientDescent(k, 0.2, order);
        double d = maxRelativeDifference(metaGradient(stored, model, lik, support, query),
            metaGradient(stored.withRecompute(), model, lik, support, query));
        assertTrue(d <= 1e-12, order + " K=" + k + ": relative difference " + d);
      }
    }
  }

  @Test
  void withAnExplicitPriorOnThetaTheMetaGradientIsTheStoredGraphs() {
    Mlp model = new Mlp(Activation.TANH, 1, 6, 1);
    Likelihood lik = Likelihood.meanSquaredError(model);
    Data support = regression(6, 2, 4);
    Data query = regression(7, 2, 4);
    TruncatedGradientDescent stored = new TruncatedGradientDescent(5, 0.1, GradientOrder.SECOND)
        .withProximalTerm(2.0);
    double d = maxRelativeDifference(metaGradient(stored, model, lik, support, query),
        metaGradient(stored.withRecompute(), model, lik, support, query));
    assertTrue(d <= 1e-12, "relative difference " + d);
  }

  @Test
  void theComparisonCanFail() {
    // Second and first order differ by far more than the tolerance, so a checkpoint that lost the
    // second-order terms (or the graph across a segment boundary) would be caught.
    Mlp model = new Mlp(Activation.TANH, 1, 8, 8, 1);
    Likelihood lik = Likelihood.meanSquaredError(model);
    Data support = regression(1, 3, 5);
    Data query = regression(2, 3, 5);
    List<INDArray> second = metaGradient(new TruncatedGradientDescent(4, 0.1, GradientOrder.SECOND), model, lik,
        support, query);
    List<INDArray> first = metaGradient(new TruncatedGradientDescent(4, 0.1, GradientOrder.FIRST).withRecompute(),
        model, lik, support, query);
    assertTrue(maxRelativeDifference(second, first) > 1e-4);
  }

  @Test
  void refusesWhatItCannotDo() {
    Mlp model = new Mlp(Activation.TANH, 1, 4, 1);
    Likelihood lik = Likelihood.meanSquaredError(model);
    Data support = regression(8, 2, 3);
    Params theta = model.init(1, DataType.DOUBLE);
    TruncatedGradientDescent tgd = new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND).withRecompute();
    // a Hessian of the meta-loss (differentiating the meta-gradient again) goes through the checkpoint
    Tensor loss = Ops.sum(lik.perTask(tgd.adapt(theta, support, lik, 2), support), false);
    assertThrows(UnsupportedOperationException.class, () -> Autodiff.grad(loss, theta.tensors(), true));
    // learned step sizes would have to be segment inputs
    Params steps = theta.map(t -> Tensor.variable(Nd4j.valueArrayOf(t.shape(), 0.1, DataType.DOUBLE)));
    TruncatedGradientDescent metaSgd = new TruncatedGradientDescent(2, steps, GradientOrder.SECOND).withRecompute();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> metaSgd.adapt(theta, support, lik, 2));
    assertTrue(e.getMessage().contains("learned preconditioner"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tgd.withRecompute(0));
    assertEquals(3, tgd.withSteps(9).recomputeSegments(9));
    assertEquals(0, new TruncatedGradientDescent(9, 0.1, GradientOrder.SECOND).recomputeSegments(9));
  }
}
