package org.bml.hierarchical.composed;

import static org.bml.hierarchical.composed.ComposedTestData.regression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** ABML in float64: meta-gradient vs central differences (KL and hyper-prior on), seeding, shapes, bad settings. */
class AbmlTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 3, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static Abml abml(double klWeight, double hyperPriorWeight) {
    return new Abml(MLP, MSE, new Abml.Config(2, 0.1, klWeight, 0.05, 2, 1.0, hyperPriorWeight, 1.0, 0.01,
        GradientOrder.SECOND));
  }

  @Test
  void metaGradientMatchesFiniteDifferences() {
    Abml abml = abml(0.5, 0.1);
    Params meta = abml.initialize(3, DataType.DOUBLE);
    Data support = regression(61, 2, 5, 2, 1);
    Data query = regression(63, 2, 4, 2, 1);
    List<String> names = meta.names();
    double err = GradientCheck.gradientError(vars -> abml.metaLoss(Params.of(names, vars), support, query, 17),
        ComposedTestData.values(meta), 1e-6);
    assertTrue(err <= 1e-7, "ABML meta-gradient (μ_θ and log σ²_θ) vs central differences: rel err " + err);
    assertFalse(abml.decomposesOverTasks(), "the hyper-prior is a term on θ alone");
    assertTrue(abml(0.5, 0).decomposesOverTasks());
  }

  @Test
  void seedsShapesAndHypotheses() {
    Abml abml = abml(0.5, 0.1);
    Params meta = abml.initialize(4, DataType.DOUBLE);
    Data support = regression(71, 3, 5, 2, 1);
    Data query = regression(73, 3, 4, 2, 1);
    double a = abml.metaLoss(meta, support, query, 5).item();
    assertEquals(a, abml.metaLoss(meta, support, query, 5).item(), 0.0, "same seed, same loss");
    assertNotEquals(a, abml.metaLoss(meta, support, query, 6).item(), "another seed draws other samples");
    List<Params> hyp = abml.hypotheses(meta, support, 2, 4, 9);
    assertEquals(4, hyp.size());
    assertArrayEquals(new long[] {3, 2, 3}, hyp.get(0).get(Mlp.weight(0)).shape());
    assertNotEquals(hyp.get(0).get(Mlp.weight(0)).value(), hyp.get(1).get(Mlp.weight(0)).value());
    assertArrayEquals(new long[] {3, 4, 1}, abml.predict(hyp.get(0), query.x()).shape());
    assertEquals(2 * MLP.parameterShapes().size(), meta.size(), "θ = (μ_θ, log σ²_θ)");
  }

  @Test
  void badSettingsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Abml.Config(1, 0.1, -1, 0.1, 1, 1, 0, 1, 1, GradientOrder.SECOND));
    assertTrue(e.getMessage().contains("KL weight"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Abml.Config(1, 0.1, 0, 0, 1, 1, 0, 1, 1,
        GradientOrder.SECOND));
    assertThrows(IllegalArgumentException.class, () -> new Abml.Config(1, 0.1, 0, 1, 0, 1, 0, 1, 1,
        GradientOrder.SECOND));
  }
}
