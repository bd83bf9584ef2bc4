package org.bml.algorithms.relational;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.SineLineQuadraticTasks;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** ARML (Yao et al. ICLR 2020): MAML when the gate is pinned to 1, meta-gradient, learning, bad input. */
class ArmlTest {
  private static final Mlp MODEL = new Mlp(Activation.TANH, 1, 5, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MODEL);
  private static final SineLineQuadraticTasks TASKS = new SineLineQuadraticTasks(5, 5, 0.3, DataType.DOUBLE);

  private static Data[] data(long seed, int tasks) {
    TaskBatch b = TASKS.batch(seed, 0, tasks);
    return new Data[] {new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY())),
        new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()))};
  }

  /** W = 0 and b = 40: σ(40) is 1 in float64, so the gate is exactly 1 through ARML's own code path. */
  private static Params pinned(Params meta) {
    List<Tensor> ts = new ArrayList<>();
    for (String n : meta.names()) {
      Tensor t = meta.get(n);
      ts.add(n.startsWith(Arml.GATE_WEIGHT) ? Tensor.variable(Nd4j.zeros(DataType.DOUBLE, t.shape())) : t);
    }
    return Params.of(meta.names(), ts);
  }

  /**
   * With the modulation pinned to 1 ARML is MAML: the same adapted parameters, meta-loss and
   * meta-gradient with respect to θ₀, bit for bit (float64, K = 2 second-order steps).
   */
  @Test
  void pinnedModulationIsMaml() {
    Arml arml = new Arml(MODEL, MSE, 2, 0.1, GradientOrder.SECOND, 1, 4, 3, 40.0);
    Maml maml = new Maml(MODEL, MSE, 2, 0.1, GradientOrder.SECOND);
    Params meta = pinned(arml.initialize(3, DataType.DOUBLE));
    Params theta = meta.subset(MODEL.parameterShapes().keySet());
    Data[] d = data(4, 3);
    Params a = arml.adapt(meta, d[0], 2);
    Params m = maml.adapt(theta, d[0], 2);
    for (String n : m.names()) {
      assertEquals(m.get(n).value(), a.get(n).value(), n);
    }
    Tensor la = arml.metaLoss(meta, d[0], d[1]);
    Tensor lm = maml.metaLoss(theta, d[0], d[1]);
    assertEquals(lm.item(), la.item(), 0.0);
    List<Tensor> ga = Autodiff.grad(la, theta.tensors(), false);
    List<Tensor> gm = Autodiff.grad(lm, theta.tensors(), false);
    for (int i = 0; i < ga.size(); i++) {
      assertArrayEquals(gm.get(i).value().dup().data().asDouble(), ga.get(i).value().dup().data().asDouble(), 0.0,
          theta.names().get(i));
    }
    // Unpinned, the modulation changes the start and hence the loss.
    Arml gated = new Arml(MODEL, MSE, 2, 0.1, GradientOrder.SECOND, 1, 4, 3, 0.0);
    assertTrue(Math.abs(gated.metaLoss(gated.initialize(3, DataType.DOUBLE), d[0], d[1]).item() - lm.item()) > 1e-6);
  }

  /** The meta-gradient through the graph query, the gate and a second-order inner step against float64 central differences. */
  @Test
  void metaGradientMatchesFiniteDifferences() {
    Mlp small = new Mlp(Activation.TANH, 1, 3, 1);
    Arml arml = new Arml(small, Likelihood.meanSquaredError(small), 1, 0.1, GradientOrder.SECOND, 1, 2, 2, 1.0);
    Params meta = arml.initialize(5, DataType.DOUBLE);
    Data[] d = data(6, 2);
    List<String> names = meta.names();
    List<INDArray> at = new ArrayList<>();
    meta.tensors().forEach(t -> at.add(t.value().dup()));
    double err = GradientCheck.gradientError(ts -> arml.metaLoss(Params.of(names, ts), d[0], d[1]), at, 1e-6);
    assertTrue(err < 1e-7, "gradient relative error " + err);
  }

  /** ARML learns the sine/line/quadratic mixture: the post-adaptation query MSE falls after 25 meta-iterations. */
  @Test
  void learnsTheMixture() {
    Mlp model = new Mlp(Activation.RELU, 1, 12, 12, 1);
    Arml arml = new Arml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND, 1, 8, 4, 3.0);
    MetaOptimizer opt = new MetaOptimizer(arml.initialize(1, DataType.DOUBLE), new Adam(0.02), 0);
    double before = Evaluation.queryLoss(arml, opt.params(), TASKS, 99, 12, 12, 1).mean();
    MetaTrainer trainer = new MetaTrainer(arml, TASKS, opt, 4, 3);
    for (int it = 0; it < 25; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryLoss(arml, opt.params(), TASKS, 99, 12, 12, 1).mean();
    System.out.printf("ARML: query MSE after 1 step %.3f -> %.3f%n", before, after);
    assertTrue(after < 0.85 * before, "query MSE " + before + " -> " + after);
  }

  @Test
  void badInputIsRefusedByName() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new Arml(MODEL, MSE, 1, 0.1, GradientOrder.SECOND, 1, 0, 3, 1.0));
    assertTrue(e.getMessage().contains("prototype width"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Arml(MODEL, MSE, 1, 0.1, GradientOrder.SECOND, 1, 4, 0, 1.0));
    assertTrue(e.getMessage().contains("vertices"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Arml(MODEL, MSE, 1, 0.1, GradientOrder.SECOND, 1, 4, 3, Double.POSITIVE_INFINITY));
    assertTrue(e.getMessage().contains("gate bias"), e.getMessage());
    Arml arml = new Arml(MODEL, MSE, 1, 0.1, GradientOrder.SECOND, 1, 4, 3, 1.0);
    Params meta = arml.initialize(1, DataType.DOUBLE);
    Data[] d = data(1, 2);
    e = assertThrows(IllegalArgumentException.class, () -> arml.adapt(meta, d[0], -1));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
    Data wide = new Data(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 2)),
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 1)));
    e = assertThrows(IllegalArgumentException.class, () -> arml.adapt(meta, wide, 1));
    assertTrue(e.getMessage().contains("x [T, n, 1]"), e.getMessage());
  }
}
