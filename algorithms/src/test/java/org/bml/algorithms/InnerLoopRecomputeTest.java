package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.grad;
import static org.bml.algorithms.PointEstimateFixtures.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link InnerLoopLearner#withRecompute}: MAML (second and first order) and ANIL give the meta-gradient of
 * their stored inner graph with the inner loop checkpointed (float64, relative 1e-12 in the joint 2-norm, for ⌈√K⌉ and K
 * segments); Meta-SGD and Reptile refuse it, saying why.
 */
class InnerLoopRecomputeTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 8, 8, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final int K = 4;

  private static List<INDArray> metaGradient(MetaLearner learner, Data support, Data query) {
    Params theta = learner.initialize(3, DataType.DOUBLE);
    return grad(learner.metaLoss(theta, support, query), theta.tensors());
  }

  private static void assertSameMetaGradient(InnerLoopLearner stored) {
    Data support = regression(1, 3, 5, 1, 1);
    Data query = regression(2, 3, 5, 1, 1);
    List<INDArray> expected = metaGradient(stored, support, query);
    for (int segments : new int[] {-1, K}) {
      InnerLoopLearner ck = stored.withRecompute(segments);
      assertEquals(stored.getClass(), ck.getClass());
      assertEquals(segments == -1 ? 2 : segments, ck.inner().recomputeSegments(K), ck.inner().toString());
      List<INDArray> actual = metaGradient(ck, support, query);
      double worst = GradientCheck.relativeError(expected, actual);
      assertTrue(worst <= 1e-12, stored + " with " + segments + " segment(s): relative difference " + worst);
    }
  }

  @Test
  void mamlAndFomamlGiveTheStoredGraphsMetaGradient() {
    for (GradientOrder order : GradientOrder.values()) {
      Maml maml = new Maml(MLP, MSE, K, 0.1, order);
      assertNull(maml.recomputeRefusal());
      assertSameMetaGradient(maml);
    }
  }

  /** ANIL's held body is read by the inner loss: it must be a segment input, or its gradient would be lost. */
  @Test
  void anilGivesTheStoredGraphsMetaGradientBodyIncluded() {
    assertSameMetaGradient(new Anil(MLP, MSE, List.of("layer2.weight", "layer2.bias"), K, 0.1, GradientOrder.SECOND));
  }

  @Test
  void learnersThatCannotSayWhy() {
    MetaSgd metaSgd = new MetaSgd(MLP, MSE, K, 0.1, GradientOrder.SECOND);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> metaSgd.withRecompute(-1));
    assertTrue(e.getMessage().startsWith("MetaSgd cannot checkpoint its inner loop: its learned per-parameter step "
        + "sizes are a learned preconditioner"), e.getMessage());
    Reptile reptile = new Reptile(MLP, MSE, K, 0.1);
    e = assertThrows(IllegalArgumentException.class, () -> reptile.withRecompute(2));
    assertTrue(e.getMessage().contains("does not differentiate through the inner loop"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Maml(MLP, MSE, K, 0.1, GradientOrder.SECOND)
        .withRecompute(0));
  }
}
