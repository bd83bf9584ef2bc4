package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.algorithms.Anil;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.algorithms.Maml;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;
import org.bml.regularizers.StochasticBottleneck;
import org.bml.regularizers.WeightRegularizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link InnerLoopLearner#withRecompute} on the hierarchical learners built on the inference layer's loop:
 * PLATIPUS (K steps from the sampled θ, {@code adaptFrom}) and LLAMA (log det of the curvature at the
 * checkpointed φ̂, K-FAC), and MR-MAML(W) and (A) over a checkpointed base give the stored graph's meta-gradient, float64, relative 1e-12 in the joint 2-norm, seed fixed.
 */
class HierarchicalRecomputeTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 8, 8, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static void assertSameMetaGradient(InnerLoopLearner stored, int k) {
    List<InnerLoopLearner> checkpointed = new java.util.ArrayList<>();
    for (int segments : new int[] {-1, 1, k}) {
      InnerLoopLearner ck = stored.withRecompute(segments);
      assertEquals(stored.getClass(), ck.getClass());
      checkpointed.add(ck);
    }
    assertSameMetaGradient(stored, checkpointed, k);
  }

  private static void assertSameMetaGradient(InnerLoopLearner stored, List<InnerLoopLearner> checkpointed, int k) {
    Data support = regression(1, 2, 5, 1, 1);
    Data query = regression(2, 2, 5, 1, 1);
    Params theta = stored.initialize(3, DataType.DOUBLE);
    List<INDArray> expected = grad(stored.metaLoss(theta, support, query, 11), theta.tensors());
    for (InnerLoopLearner ck : checkpointed) {
      assertTrue(ck.inner().recomputeSegments(k) > 0, ck.inner().toString());
      List<INDArray> actual = grad(ck.metaLoss(theta, support, query, 11), theta.tensors());
      double worst = GradientCheck.relativeError(expected, actual);
      assertTrue(worst <= 1e-12, stored + " vs " + ck.inner() + ": relative difference " + worst);
    }
  }

  /**
   * The regularizers over a checkpointed base: MR-MAML(W)'s held stochastic body and MR-MAML(A)'s support set
   * (the encoder's z, which depends on θ) are segment inputs.
   */
  @Test
  void mrMamlOverACheckpointedBaseGivesTheStoredGraphsMetaGradient() {
    List<String> head = List.of(Mlp.weight(2), Mlp.biasName(2));
    Anil anil = new Anil(MLP, MSE, head, 3, 0.1, GradientOrder.SECOND);
    java.util.function.Function<Anil, InnerLoopLearner> weights = base -> MrMamlWeights.wrap(base, List.of(),
        new WeightRegularizer(MrMamlWeights.notAdapted(MLP, head), 0.01, -3.0));
    assertSameMetaGradient(weights.apply(anil), List.of(weights.apply((Anil) anil.withRecompute(-1))), 3);
    StochasticBottleneck net = new StochasticBottleneck(new Mlp(Activation.TANH, 1, 4, 4),
        new Mlp(Activation.TANH, 2, 3, 1), 2);
    Maml maml = new Maml(MLP, MSE, 3, 0.1, GradientOrder.SECOND);
    assertSameMetaGradient(MrMamlActivations.wrap(maml, net, Likelihood::meanSquaredError, 0.5),
        List.of(MrMamlActivations.wrap(maml.withRecompute(-1), net, Likelihood::meanSquaredError, 0.5)), 3);
  }

  @Test
  void platipusGivesTheStoredGraphsMetaGradient() {
    assertSameMetaGradient(new Platipus(MLP, MSE, new Platipus.Config(3, 0.1, 0.5, 0.05, 0.02, 0.05, 0.07,
        GradientOrder.SECOND, false)), 3);
  }

  @Test
  void llamaGivesTheStoredGraphsMetaGradient() {
    assertSameMetaGradient(new Llama(MLP, MSE, LogLikelihood.gaussian(MLP, 0.5), 3, 0.1, 0.7, 0.5, 0.1,
        Curvature.KFAC), 3);
  }
}
