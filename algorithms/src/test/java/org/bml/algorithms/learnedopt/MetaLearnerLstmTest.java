package org.bml.algorithms.learnedopt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link MetaLearnerLstm} (Ravi &amp; Larochelle 2017): with the forget gate pinned to 1 and the input
 * gate to α its updates are exactly SGD with step α (float64, bitwise); its meta-gradient matches
 * central differences (exact with second derivatives over 2 steps; the paper's first-order one for
 * the LSTM's own weights over 1 step, where ∇L(θ_0) does not depend on them); it learns on sines
 * (seeds: init 1, training tasks 3, test tasks 99; deterministic); bad input is refused.
 */
class MetaLearnerLstmTest {
  private static final SinusoidTasks SINES = new SinusoidTasks(
      new SinusoidTasks.Config(0.5, 2.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0), 5, 5, DataType.DOUBLE);

  private static Data[] batch(long seed, int tasks) {
    TaskBatch b = SINES.batch(seed, 0, tasks);
    return new Data[] {new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY())),
        new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()))};
  }

  private static double sigmoid(double b) {
    return Ops.sigmoid(Tensor.constant(Nd4j.valueArrayOf(new long[] {1}, b, DataType.DOUBLE))).item();
  }

  @Test
  void pinnedGatesAreExactlySgd() {
    Mlp net = new Mlp(Activation.TANH, 1, 6, 1);
    Likelihood mse = Likelihood.meanSquaredError(net);
    MetaLearnerLstm learner = new MetaLearnerLstm(net, mse, 1, 4, 0.01, 5, GradientOrder.FIRST);
    Params meta = learner.initialize(1, DataType.DOUBLE);
    Data support = batch(5, 3)[0];
    assertEquals(1.0, sigmoid(MetaLearnerLstm.SATURATED), 0.0, "σ(50) is 1 in float64");
    for (double bias : new double[] {0, Math.log(0.01 / 0.99), -1.3, 2.0}) {
      double alpha = sigmoid(bias);
      Params pinned = MetaLearnerLstm.pinGates(meta, bias, MetaLearnerLstm.SATURATED);
      for (int steps : new int[] {1, 3}) {
        Params lstm = learner.adapt(pinned, support, steps);
        // Reference SGD: θ ← θ − α ∇, the gradient from the likelihood directly.
        Params sgd = learner.theta(meta).expand(3).detach();
        for (int s = 0; s < steps; s++) {
          Params at = sgd.map(Tensor::asVariable);
          List<Tensor> g = Autodiff.grad(List.of(Ops.sum(mse.perTask(at, support), false)), null, at.tensors(), false,
              true);
          List<Tensor> next = new ArrayList<>();
          for (int k = 0; k < g.size(); k++) {
            next.add(Tensor.constant(at.tensors().get(k).value().sub(g.get(k).value().mul(alpha))));
          }
          sgd = Params.of(at.names(), next);
        }
        for (String n : sgd.names()) {
          double diff = lstm.get(n).value().sub(sgd.get(n).value()).amaxNumber().doubleValue();
          assertEquals(0.0, diff, 0.0, "b_I " + bias + ", " + steps + " steps, " + n + ": max |Δ| " + diff);
        }
      }
      if (bias == 0) {
        assertEquals(0.5, alpha, 0.0, "σ(0) = 1/2 exactly");
      }
    }
    // The oracle can fail: the unpinned meta-learner is not that SGD.
    Params free = learner.adapt(meta, support, 1);
    Params sgdPinned = learner.adapt(MetaLearnerLstm.pinGates(meta, 0, MetaLearnerLstm.SATURATED), support, 1);
    double gap = free.get(Mlp.weight(0)).value().sub(sgdPinned.get(Mlp.weight(0)).value()).amaxNumber().doubleValue();
    assertTrue(gap > 1e-3, "unpinned differs: " + gap);
  }

  private static Function<List<Tensor>, Tensor> metaLoss(MetaLearnerLstm learner, List<String> names, Params fixed,
      Data[] d) {
    return xs -> learner.metaLoss(fixed.withAll(Params.of(names, xs)), d[0], d[1]);
  }

  @Test
  void metaGradientMatchesFiniteDifferences() {
    Mlp net = new Mlp(Activation.TANH, 1, 3, 1);
    Likelihood mse = Likelihood.meanSquaredError(net);
    Data[] d = batch(7, 2);
    MetaLearnerLstm exact = new MetaLearnerLstm(net, mse, 2, 2, 0.2, 1.5, GradientOrder.SECOND);
    Params meta = exact.initialize(3, DataType.DOUBLE);
    List<INDArray> at = meta.tensors().stream().map(Tensor::value).toList();
    double err = GradientCheck.gradientError(metaLoss(exact, meta.names(), meta, d), at, 1e-6);
    System.out.printf("meta-LSTM exact meta-gradient (2 steps): relative FD error %.3g%n", err);
    assertTrue(err < 1e-6, "second-order meta-gradient vs FD: " + err);

    // First order (the paper): exact for the meta-learner's weights over one step.
    MetaLearnerLstm paper = new MetaLearnerLstm(net, mse, 1, 2, 0.2, 1.5, GradientOrder.FIRST);
    List<String> own = new ArrayList<>(paper.learnerShapes().keySet());
    Params fixed = paper.theta(meta).detach();
    List<INDArray> ownAt = own.stream().map(n -> meta.get(n).value()).toList();
    double err1 = GradientCheck.gradientError(metaLoss(paper, own, fixed, d), ownAt, 1e-6);
    System.out.printf("meta-LSTM first-order meta-gradient (1 step, LSTM weights): relative FD error %.3g%n", err1);
    assertTrue(err1 < 1e-6, "first-order meta-gradient vs FD: " + err1);
    // ... and not the exact one over θ_0 (the dropped term is visible).
    Params vars = meta.asVariables();
    List<Tensor> first = Autodiff.grad(paper.metaLoss(vars, d[0], d[1]), vars.tensors(), false);
    MetaLearnerLstm exact1 = new MetaLearnerLstm(net, mse, 1, 2, 0.2, 1.5, GradientOrder.SECOND);
    List<Tensor> full = Autodiff.grad(exact1.metaLoss(vars, d[0], d[1]), vars.tensors(), false);
    double dropped = GradientCheck.relativeError(first.stream().map(Tensor::value).toList(),
        full.stream().map(Tensor::value).toList());
    assertTrue(dropped > 1e-4, "first order drops the ∇-dependence on θ_0: " + dropped);
  }

  @Test
  void learnsOnSines() {
    Mlp net = new Mlp(Activation.TANH, 1, 10, 10, 1);
    MetaLearnerLstm learner = new MetaLearnerLstm(net, Likelihood.meanSquaredError(net), 2, 6, 0.05, 5,
        GradientOrder.FIRST);
    MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(0.03), 0);
    double before = Evaluation.queryLoss(learner, opt.params(), SINES, 99, 16, 16, 2).mean();
    MetaTrainer trainer = new MetaTrainer(learner, SINES, opt, 4, 3);
    for (int it = 0; it < 40; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryLoss(learner, opt.params(), SINES, 99, 16, 16, 2).mean();
    System.out.printf("meta-LSTM on sines: query loss %.4f -> %.4f%n", before, after);
    assertTrue(after < 0.75 * before, "query loss " + before + " -> " + after);
  }

  @Test
  void badInputRefused() {
    Mlp net = new Mlp(Activation.TANH, 1, 3, 1);
    Likelihood mse = Likelihood.meanSquaredError(net);
    assertThrows(IllegalArgumentException.class, () -> new MetaLearnerLstm(net, mse, 0, 2, 0.1, 5, GradientOrder.FIRST));
    assertThrows(IllegalArgumentException.class, () -> new MetaLearnerLstm(net, mse, 1, 0, 0.1, 5, GradientOrder.FIRST));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MetaLearnerLstm(net, mse, 1, 2, 1.0, 5, GradientOrder.FIRST));
    assertTrue(e.getMessage().contains("(0, 1)"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new MetaLearnerLstm(net, mse, 1, 2, 0.1, Double.NaN, GradientOrder.FIRST));
    assertThrows(IllegalArgumentException.class, () -> new MetaLearnerLstm(net, mse, 1, 2, 0.1, 5, null));
    MetaLearnerLstm ok = new MetaLearnerLstm(net, mse, 1, 2, 0.1, 5, GradientOrder.FIRST);
    assertThrows(IllegalArgumentException.class,
        () -> ok.adapt(ok.initialize(1, DataType.DOUBLE), batch(1, 2)[0], -1));
  }
}
