package org.bml.hierarchical;

import static org.bml.hierarchical.MrMamlReductionProperties.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.NonMutexSinusoidTasks;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.regularizers.Composed;
import org.bml.regularizers.StochasticBottleneck;
import org.bml.regularizers.WeightRegularizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * MR-MAML(W) and MR-MAML(A) as meta-learners: the regularised meta-gradient against central
 * finite differences (float64, tiny tanh MLPs, the noise fixed by the seed so the loss is a
 * smooth function of the meta-parameters), hypotheses, task decomposition, bad input, and a
 * short training run.
 */
class MrMamlTest {
  private static final Mlp NET = new Mlp(Activation.TANH, 2, 4, 3, 1);
  private static final List<String> HEAD = List.of(Mlp.weight(2), Mlp.biasName(2));
  private static final Likelihood MSE = Likelihood.meanSquaredError(NET);
  private static final StochasticBottleneck BOTTLENECK = new StochasticBottleneck(new Mlp(Activation.TANH, 2, 4, 4),
      new Mlp(Activation.TANH, 2, 3, 1), 2);

  private static double fdError(MetaLearner learner, Params meta, Data support, Data query, long seed) {
    List<String> names = meta.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : meta.tensors()) {
      at.add(t.value());
    }
    return GradientCheck.gradientError(vars -> learner.metaLoss(Params.of(names, vars), support, query, seed), at,
        1e-6);
  }

  /** ∇ of query loss + β·KL(q(θ) ‖ N(0, I)) (2 inner steps) with respect to θ_μ, log θ_σ and the head: rel err ≤ 1e-7. */
  @Test
  void weightsMetaGradientMatchesFiniteDifferences() {
    Data support = data(21, 3, 5, 2);
    Data query = data(22, 3, 4, 2);
    MrMamlWeights mr = MrMamlWeights.create(NET, MSE, HEAD, 0.05, -1.5, 2, 0.2, GradientOrder.SECOND);
    Params meta = mr.initialize(7, DataType.DOUBLE);
    double err = fdError(mr, meta, support, query, 99);
    assertTrue(err <= 1e-7, "2-step MR-MAML(W) meta-gradient vs central differences: rel err " + err);
  }

  /**
   * σ fixed (learn-std=false): the meta-gradient with respect to θ_μ and the head equals the
   * learned-σ method's at log θ_σ = log σ0 with the same θ sample (max abs diff ≤ 1e-14), and
   * matches central differences (rel err ≤ 1e-7); no log σ meta-parameters exist.
   */
  @Test
  void weightsWithFixedStdGiveTheLearnedMethodsMeanGradient() {
    Data support = data(31, 3, 5, 2);
    Data query = data(32, 3, 4, 2);
    List<String> body = MrMamlWeights.notAdapted(NET, HEAD);
    MrMamlWeights fixed = new MrMamlWeights(NET, MSE, HEAD, WeightRegularizer.fixedStd(body, 0.05, -1.5), 2, 0.2,
        GradientOrder.SECOND);
    MrMamlWeights learned = MrMamlWeights.create(NET, MSE, HEAD, 0.05, -1.5, 2, 0.2, GradientOrder.SECOND);
    Params metaFixed = fixed.initialize(7, DataType.DOUBLE);
    Params metaLearned = learned.initialize(7, DataType.DOUBLE);
    assertEquals(NET.init(7, DataType.DOUBLE).names(), metaFixed.names());
    List<Tensor> gf = org.bml.core.autodiff.Autodiff.grad(List.of(fixed.metaLoss(metaFixed, support, query, 5)), null,
        metaFixed.tensors(), false, true);
    List<Tensor> gl = org.bml.core.autodiff.Autodiff.grad(List.of(learned.metaLoss(metaLearned, support, query, 5)),
        null, metaLearned.tensors(), false, true);
    for (int i = 0; i < metaFixed.size(); i++) {
      String n = metaFixed.names().get(i);
      double diff = gf.get(i).value().sub(gl.get(metaLearned.names().indexOf(n)).value()).amaxNumber().doubleValue();
      assertTrue(diff <= 1e-14, n + ": |Δ∇| = " + diff);
    }
    double err = fdError(fixed, metaFixed, support, query, 5);
    assertTrue(err <= 1e-7, "fixed-σ MR-MAML(W) meta-gradient vs central differences: rel err " + err);
  }

  /**
   * ∇ of query loss + β·KL(q(z | x) ‖ N(0, I)) (KL on support and query points, so both encodings'
   * KL terms are checked) through the sampled activations and 2 inner steps: rel err ≤ 1e-7.
   */
  @Test
  void activationsMetaGradientMatchesFiniteDifferences() {
    Data support = data(31, 2, 5, 2);
    Data query = data(32, 2, 4, 2);
    MrMamlActivations mr = new MrMamlActivations(BOTTLENECK, Likelihood::meanSquaredError,
        new org.bml.regularizers.ActivationRegularizer(0.5), MrMamlActivations.KlPoints.SUPPORT_AND_QUERY, 2, 0.2,
        GradientOrder.SECOND);
    Params meta = mr.initialize(8, DataType.DOUBLE);
    double err = fdError(mr, meta, support, query, 5);
    assertTrue(err <= 1e-7, "MR-MAML(A) meta-gradient vs central differences: rel err " + err);
  }

  /** β > 0 changes the meta-loss by exactly β·KL; the sample depends on the seed only. */
  @Test
  void penaltyAndSeeds() {
    Data support = data(41, 2, 5, 2);
    Data query = data(42, 2, 4, 2);
    MrMamlWeights off = MrMamlWeights.create(NET, MSE, HEAD, 0.0, -2, 1, 0.1, GradientOrder.SECOND);
    MrMamlWeights on = MrMamlWeights.create(NET, MSE, HEAD, 0.3, -2, 1, 0.1, GradientOrder.SECOND);
    Params meta = on.initialize(3, DataType.DOUBLE);
    double kl = on.weights().kl(meta).item();
    assertEquals(off.metaLoss(meta, support, query, 4).item() + 0.3 * kl, on.metaLoss(meta, support, query, 4).item(),
        1e-12);
    assertEquals(on.metaLoss(meta, support, query, 4).item(), on.metaLoss(meta, support, query, 4).item());
    assertTrue(on.metaLoss(meta, support, query, 4).item() != on.metaLoss(meta, support, query, 5).item());
  }

  @Test
  void hypothesesAndDecomposition() {
    Data support = data(51, 2, 5, 2);
    MrMamlWeights w = MrMamlWeights.create(NET, MSE, HEAD, 1e-3, -1, 2, 0.1, GradientOrder.SECOND);
    Params meta = w.initialize(1, DataType.DOUBLE);
    List<Params> hs = w.hypotheses(meta, support, 2, 3, 17);
    assertEquals(3, hs.size());
    INDArray a = hs.get(0).get(Mlp.weight(0)).value();
    assertTrue(a.sub(hs.get(1).get(Mlp.weight(0)).value()).amaxNumber().doubleValue() > 1e-4, "θ differs per hypothesis");
    assertEquals(List.of(2L, 1L), List.of(hs.get(0).get(Mlp.biasName(2)).shape()[0], hs.get(0).get(Mlp.biasName(2)).shape()[1]),
        "the head is per task");
    assertEquals(a, w.hypotheses(meta, support, 2, 3, 17).get(0).get(Mlp.weight(0)).value(), "reproducible");
    assertEquals(1, MrMamlWeights.zeroVariance(NET, MSE, HEAD, 1, 0.1, GradientOrder.SECOND)
        .hypotheses(w.weights().mean(meta), support, 1, 5, 1).size());
    assertFalse(w.decomposesOverTasks(), "θ sample and KL are shared by the meta-batch");
    assertTrue(MrMamlWeights.zeroVariance(NET, MSE, HEAD, 1, 0.1, GradientOrder.SECOND).decomposesOverTasks());

    MrMamlActivations act = MrMamlActivations.create(BOTTLENECK, Likelihood::meanSquaredError, 0.5, 2, 0.1,
        GradientOrder.SECOND);
    Params am = act.initialize(2, DataType.DOUBLE);
    List<Params> ha = act.hypotheses(am, support, 2, 2, 3);
    assertEquals(2, ha.size());
    String dec = Composed.DECODER + Mlp.weight(0);
    assertTrue(ha.get(0).get(dec).value().sub(ha.get(1).get(dec).value()).amaxNumber().doubleValue() > 1e-6);
    assertEquals(List.of(2L, 5L, 1L), List.of(act.predict(ha.get(0), support.x()).shape()[0],
        act.predict(ha.get(0), support.x()).shape()[1], act.predict(ha.get(0), support.x()).shape()[2]));
    assertTrue(act.decomposesOverTasks());
  }

  @Test
  void badInputIsRejectedClearly() {
    WeightRegularizer body = new WeightRegularizer(List.of(Mlp.weight(0), Mlp.weight(2)), 0.1, -3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MrMamlWeights(NET, MSE, HEAD, body, 1, 0.1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("'layer2.weight' is both adapted and stochastic"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MrMamlWeights.create(NET, MSE, NET.parameterShapes().keySet(), 0.1, -3, 1, 0.1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("every parameter is adapted"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MrMamlWeights.create(NET, MSE, List.of("head"), 0.1, -3, 1, 0.1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("'head' is not a parameter"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MrMamlWeights.create(NET, MSE, HEAD, -1, -3, 1, 0.1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("β must be finite and >= 0, got -1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MrMamlActivations.create(BOTTLENECK, Likelihood::meanSquaredError, Double.NaN, 1, 0.1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("got NaN"), e.getMessage());
    MrMamlWeights w = MrMamlWeights.create(NET, MSE, HEAD, 0.1, -3, 1, 0.1, GradientOrder.SECOND);
    e = assertThrows(IllegalArgumentException.class,
        () -> w.hypotheses(w.initialize(1, DataType.DOUBLE), data(1, 1, 2, 2), 1, 0, 1));
    assertTrue(e.getMessage().contains("k must be positive, got 0"), e.getMessage());
    // The shared KL forbids chunked meta-batches.
    NonMutexSinusoidTasks tasks = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TRAIN, 5, 5, 0.1, DataType.DOUBLE);
    Mlp wide = new Mlp(Activation.TANH, 21, 4, 1);
    MrMamlWeights ww = MrMamlWeights.create(wide, Likelihood.meanSquaredError(wide),
        List.of(Mlp.weight(1), Mlp.biasName(1)), 0.1, -3, 1, 0.1, GradientOrder.SECOND);
    MetaOptimizer opt = new MetaOptimizer(ww.initialize(1, DataType.DOUBLE), new Adam(1e-3), 0);
    e = assertThrows(IllegalArgumentException.class, () -> new MetaTrainer(ww, tasks, opt, 4, 2, 1));
    assertTrue(e.getMessage().contains("does not decompose"), e.getMessage());
  }

  /**
   * Training smoke test on the non-mutually-exclusive sinusoids (float64): 40 meta-iterations of
   * each method lower the query loss after 5 adaptation steps on held-out training-family tasks
   * (Adam 0.03, meta-batch 8) to below 0.8× its value at initialisation.
   */
  @Test
  void bothMethodsTrain() {
    NonMutexSinusoidTasks tasks = new NonMutexSinusoidTasks(NonMutexSinusoidTasks.Split.TRAIN, 10, 10, 0.1,
        DataType.DOUBLE);
    Composed enc = new Composed(new Mlp(Activation.RELU, 21, 16, 4), new Mlp(Activation.RELU, 4, 16, 1));
    MrMamlWeights w = MrMamlWeights.create(enc, Likelihood.meanSquaredError(enc), enc.decoderNames(), 1e-4,
        Math.log(1e-3), 1, 0.01, GradientOrder.SECOND);
    StochasticBottleneck sb = new StochasticBottleneck(new Mlp(Activation.RELU, 21, 16, 8),
        new Mlp(Activation.RELU, 4, 16, 1), 4);
    MrMamlActivations a = MrMamlActivations.create(sb, Likelihood::meanSquaredError, 0.01, 1, 0.01,
        GradientOrder.SECOND);
    for (MetaLearner learner : List.<MetaLearner>of(w, a)) {
      MetaOptimizer opt = new MetaOptimizer(learner.initialize(1, DataType.DOUBLE), new Adam(0.03), 0);
      double before = Evaluation.queryLoss(learner, opt.params(), tasks, 77, 32, 32, 5).mean();
      MetaTrainer trainer = new MetaTrainer(learner, tasks, opt, 8, 3);
      for (int it = 0; it < 40; it++) {
        trainer.step(it);
      }
      double after = Evaluation.queryLoss(learner, opt.params(), tasks, 77, 32, 32, 5).mean();
      System.out.printf("%s: query loss %.4f -> %.4f%n", learner.getClass().getSimpleName(), before, after);
      assertTrue(after < 0.8 * before, learner + ": " + before + " -> " + after);
    }
  }
}
