package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.regression;
import static org.bml.hierarchical.BmamlTestData.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.particles.ParticlePosterior;
import org.bml.inference.particles.RbfKernel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** BMAML and EMAML: meta-gradients against central differences (float64), hypotheses, ensembles, bad input. */
class BmamlTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 2, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final Data SUPPORT = regression(41, 2, 4, 1, 1);
  private static final Data QUERY = regression(43, 2, 3, 1, 1);
  private static final BmamlPosterior GAUSSIAN = BmamlPosterior.gaussianRegression(MLP, 2.0, 0.5, 2.0, 0.5);

  private static Bmaml bmaml(int particles, Bmaml.Objective objective) {
    return new Bmaml(GAUSSIAN, new Bmaml.Config(particles, 2, 0.01, 1, RbfKernel.medianHeuristic(), objective,
        GradientOrder.SECOND));
  }

  /** The chaser loss with the leader held at its value at the base point: what the meta-gradient differentiates. */
  @Test
  void chaserMetaGradientMatchesFiniteDifferencesWithTheLeaderHeld() {
    Bmaml b = bmaml(3, Bmaml.Objective.CHASER);
    Params meta = b.initialize(7, DataType.DOUBLE);
    List<String> names = meta.names();
    ParticlePosterior chaser = b.taskPosterior(meta, SUPPORT, 2);
    Tensor leader = b.leader(chaser, SUPPORT, QUERY);
    List<INDArray> at = values(meta.tensors());
    double err = GradientCheck.gradientError(
        vars -> b.chaserLoss(b.taskPosterior(Params.of(names, vars), SUPPORT, 2), leader), at, 1e-6);
    assertTrue(err <= 1e-7, "BMAML chaser gradient vs central differences: rel err " + err);
    // metaLoss holds the leader constant: its gradient is the held-leader one.
    List<INDArray> viaMetaLoss = grad(b.metaLoss(meta, SUPPORT, QUERY), meta.tensors());
    List<INDArray> held = GradientCheck.gradient(
        vars -> b.chaserLoss(b.taskPosterior(Params.of(names, vars), SUPPORT, 2), leader), at);
    double same = GradientCheck.relativeError(viaMetaLoss, held);
    assertTrue(same <= 1e-12, "metaLoss gradient vs held-leader gradient: rel err " + same);
    assertTrue(b.chaserLoss(chaser, leader).item() > 0, "the leader must differ from the chaser");
  }

  @Test
  void queryLossMetaGradientThroughSvgdMatchesFiniteDifferences() {
    Bmaml b = bmaml(2, Bmaml.Objective.QUERY_LOSS);
    Params meta = b.initialize(9, DataType.DOUBLE);
    List<String> names = meta.names();
    double err = GradientCheck.gradientError(vars -> b.metaLoss(Params.of(names, vars), SUPPORT, QUERY),
        values(meta.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "BMAML (SVGD, Gamma hyper-priors) query-loss gradient vs central differences: rel err "
        + err);
  }

  @Test
  void emamlMetaGradientMatchesFiniteDifferences() {
    Emaml e = new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 2, 2, 0.1, GradientOrder.SECOND);
    Params meta = e.initialize(3, DataType.DOUBLE);
    List<String> names = meta.names();
    double err = GradientCheck.gradientError(vars -> e.metaLoss(Params.of(names, vars), SUPPORT, QUERY),
        values(meta.tensors()), 1e-6);
    assertTrue(err <= 1e-7, "EMAML gradient vs central differences: rel err " + err);
  }

  @Test
  void particlesCarryLogPrecisionsAndStartDistinct() {
    Params meta = bmaml(3, Bmaml.Objective.CHASER).initialize(1, DataType.DOUBLE);
    assertTrue(meta.has(BmamlEnsemble.particleName(2, BmamlPosterior.LOG_GAMMA)));
    assertTrue(meta.has(BmamlEnsemble.particleName(2, BmamlPosterior.LOG_LAMBDA)));
    INDArray w0 = meta.get(BmamlEnsemble.particleName(0, Mlp.weight(0))).value();
    INDArray w1 = meta.get(BmamlEnsemble.particleName(1, Mlp.weight(0))).value();
    assertTrue(w0.sub(w1).amaxNumber().doubleValue() > 1e-3, "particles must start from distinct initialisations");
    Params classifier = new Bmaml(BmamlPosterior.classification(MLP, 1, 1), new Bmaml.Config(2, 1, 0.01, 1,
        RbfKernel.medianHeuristic(), Bmaml.Objective.CHASER, GradientOrder.SECOND)).initialize(1, DataType.DOUBLE);
    assertTrue(!classifier.has(BmamlEnsemble.particleName(0, BmamlPosterior.LOG_GAMMA)),
        "classification carries only the weight precision");
  }

  @Test
  void hypothesesAreTheAdaptedParticlesAndPredictionIsTheirMean() {
    Bmaml b = bmaml(3, Bmaml.Objective.CHASER);
    Params meta = b.initialize(5, DataType.DOUBLE).detach();
    assertEquals(2, b.hypotheses(meta, SUPPORT, 2, 2, 0).size());
    List<Params> all = b.hypotheses(meta, SUPPORT, 2, 10, 0);
    assertEquals(3, all.size(), "at most M hypotheses");
    List<Params> again = b.hypotheses(meta, SUPPORT, 2, 10, 99);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(values(all.get(i).tensors()), values(again.get(i).tensors()), "deterministic given Θ_0");
      for (int j = 0; j < i; j++) {
        INDArray d = all.get(i).get(Mlp.weight(0)).value().sub(all.get(j).get(Mlp.weight(0)).value());
        assertTrue(d.amaxNumber().doubleValue() > 1e-4, "particles " + i + " and " + j + " coincide");
      }
    }
    Params ensemble = b.adapt(meta, SUPPORT, 2);
    List<Tensor> outs = new ArrayList<>();
    for (Params p : all) {
      outs.add(b.predict(p, QUERY.x()));
    }
    INDArray mean = Ops.mean(Ops.stack(0, outs), false, 0).value();
    assertTrue(mean.sub(b.predict(ensemble, QUERY.x()).value()).amaxNumber().doubleValue() <= 1e-14,
        "the ensemble prediction is the mean of the particles'");
    assertEquals(SUPPORT.tasks(), b.perTaskLoss(ensemble, QUERY).shape()[0]);
    assertEquals(3, b.posterior().noiseVariance(ensemble).orElseThrow().size(1));

    Emaml e = new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 2, 1, 0.1, GradientOrder.SECOND);
    assertEquals(2, e.hypotheses(e.initialize(1, DataType.DOUBLE).detach(), SUPPORT, 1, 5, 0).size());
    assertThrows(IllegalArgumentException.class, () -> b.hypotheses(meta, SUPPORT, 2, 0, 0));
  }

  @Test
  void rejectsBadInput() {
    RbfKernel k = RbfKernel.medianHeuristic();
    GradientOrder o = GradientOrder.SECOND;
    assertMessage("particle count", () -> new Bmaml.Config(0, 1, 0.01, 1, k, Bmaml.Objective.CHASER, o));
    assertMessage("step size", () -> new Bmaml.Config(2, 1, -0.01, 1, k, Bmaml.Objective.CHASER, o));
    assertMessage("step size", () -> new Bmaml.Config(2, 1, Double.NaN, 1, k, Bmaml.Objective.CHASER, o));
    assertMessage("inner steps", () -> new Bmaml.Config(2, -1, 0.01, 1, k, Bmaml.Objective.CHASER, o));
    assertMessage("leader steps", () -> new Bmaml.Config(2, 1, 0.01, 0, k, Bmaml.Objective.CHASER, o));
    assertMessage("shape", () -> BmamlPosterior.gaussianRegression(MLP, 0, 1, 1, 1));
    assertMessage("rate", () -> BmamlPosterior.classification(MLP, 1, -1));
    assertMessage("particle count", () -> new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 0, 1, 0.1, o));
    assertMessage("step size", () -> new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 2, 1, -0.1, o));
  }

  @Test
  void divergedParticlesAreAnErrorNotANan() {
    Bmaml b = new Bmaml(GAUSSIAN, new Bmaml.Config(3, 4, 1e12, 1, RbfKernel.medianHeuristic(),
        Bmaml.Objective.CHASER, GradientOrder.SECOND));
    Params meta = b.initialize(1, DataType.DOUBLE);
    RuntimeException e = assertThrows(RuntimeException.class, () -> b.metaLoss(meta, SUPPORT, QUERY));
    assertTrue(e instanceof ArithmeticException || e instanceof IllegalStateException, e.toString());
    assertTrue(e.getMessage().contains("step size"), e.getMessage());
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' should mention " + fragment);
  }
}
