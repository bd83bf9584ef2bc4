package org.bml.hierarchical;

import static org.bml.hierarchical.MrMamlReductionProperties.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.bml.algorithms.Anil;
import org.bml.algorithms.Maml;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.regularizers.StochasticBottleneck;
import org.bml.regularizers.WeightRegularizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The MR-MAML regularizers wrap the base learner they are given: its inner loop, model, likelihood and adapted part. */
class MrMamlWrapTest {
  private static final Mlp NET = new Mlp(Activation.TANH, 2, 4, 3, 1);
  private static final List<String> HEAD = List.of(Mlp.weight(2), Mlp.biasName(2));
  private static final Likelihood MSE = Likelihood.meanSquaredError(NET);
  private static final Data SUPPORT = data(3, 2, 5, 2);

  @Test
  void weightsTakeEachBasesInnerLoopAndAdaptedPart() {
    Anil a = new Anil(NET, MSE, HEAD, 2, 0.1, GradientOrder.SECOND);
    Anil b = new Anil(NET, MSE, List.of(Mlp.biasName(2)), 3, 0.05, GradientOrder.FIRST);
    for (Anil base : List.of(a, b)) {
      MrMamlWeights w = MrMamlWeights.wrap(base, List.of(), WeightRegularizer.zeroVariance(
          MrMamlWeights.notAdapted(NET, base.headNames())));
      assertSame(base.inner(), w.inner());
      assertSame(base.model(), w.model());
      assertEquals(base.headNames(), w.adaptedNames());
      // Zero variance: MR-MAML(W) is its base, adaptation for adaptation.
      Params theta = base.initialize(5, DataType.DOUBLE);
      Params meta = w.initialize(5, DataType.DOUBLE);
      Params pa = base.adapt(theta, SUPPORT, base.inner().steps());
      Params pw = w.adapt(meta, SUPPORT, w.inner().steps());
      for (String n : pa.names()) {
        assertArrayEquals(pa.get(n).value().data().asDouble(), pw.get(n).value().data().asDouble(), n);
      }
    }
    // The two bases differ, so the two wrapped learners do.
    Params meta = MrMamlWeights.wrap(a, List.of(), WeightRegularizer.zeroVariance(
        MrMamlWeights.notAdapted(NET, HEAD))).initialize(5, DataType.DOUBLE);
    assertFalse(a.adapt(meta, SUPPORT, 2).get(Mlp.biasName(2)).value()
        .equals(b.adapt(meta, SUPPORT, 3).get(Mlp.biasName(2)).value()));
  }

  @Test
  void aBaseAdaptingEverythingKeepsTheGivenAdaptedNames() {
    Maml maml = new Maml(NET, MSE, 2, 0.1, GradientOrder.FIRST);
    assertEquals(HEAD, MrMamlWeights.adaptedBy(maml, HEAD));
    MrMamlWeights w = MrMamlWeights.wrap(maml, HEAD, WeightRegularizer.zeroVariance(
        MrMamlWeights.notAdapted(NET, HEAD)));
    assertSame(maml.inner(), w.inner());
    assertSame(maml.likelihood(), w.likelihood());
  }

  @Test
  void activationsTakeEachBasesInnerLoop() {
    StochasticBottleneck net = new StochasticBottleneck(new Mlp(Activation.TANH, 2, 4, 4),
        new Mlp(Activation.TANH, 2, 3, 1), 2);
    int[] steps = {2, 4};
    double[] rates = {0.1, 0.02};
    GradientOrder[] orders = {GradientOrder.SECOND, GradientOrder.FIRST};
    Data query = data(8, 2, 5, 2);
    double[] losses = new double[2];
    for (int i = 0; i < 2; i++) {
      Maml base = new Maml(NET, MSE, steps[i], rates[i], orders[i]);
      MrMamlActivations m = MrMamlActivations.wrap(base, net, Likelihood::meanSquaredError, 0.5);
      assertSame(base.inner(), m.inner());
      // The same learner as one built from the base's settings.
      MrMamlActivations built = MrMamlActivations.create(net, Likelihood::meanSquaredError, 0.5, steps[i], rates[i],
          orders[i]);
      Params meta = m.initialize(2, DataType.DOUBLE);
      losses[i] = m.metaLoss(meta, SUPPORT, query, 4).value().getDouble(0);
      assertEquals(built.metaLoss(meta, SUPPORT, query, 4).value().getDouble(0), losses[i]);
    }
    assertFalse(losses[0] == losses[1]);
  }
}
