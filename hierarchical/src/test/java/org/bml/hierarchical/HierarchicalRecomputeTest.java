package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link InnerLoopLearner#withRecompute} on the hierarchical learners built on the inference layer's loop:
 * PLATIPUS (K steps from the sampled θ, {@code adaptFrom}) and LLAMA (log det of the curvature at the
 * checkpointed φ̂, K-FAC) give the stored graph's meta-gradient, float64, relative 1e-12 in the joint 2-norm, seed fixed.
 */
class HierarchicalRecomputeTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 1, 8, 8, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static void assertSameMetaGradient(InnerLoopLearner stored, int k) {
    Data support = regression(1, 2, 5, 1, 1);
    Data query = regression(2, 2, 5, 1, 1);
    Params theta = stored.initialize(3, DataType.DOUBLE);
    List<INDArray> expected = grad(stored.metaLoss(theta, support, query, 11), theta.tensors());
    for (int segments : new int[] {-1, 1, k}) {
      InnerLoopLearner ck = stored.withRecompute(segments);
      assertEquals(stored.getClass(), ck.getClass());
      assertTrue(ck.inner().recomputeSegments(k) > 0, ck.inner().toString());
      List<INDArray> actual = grad(ck.metaLoss(theta, support, query, 11), theta.tensors());
      double worst = GradientCheck.relativeError(expected, actual);
      assertTrue(worst <= 1e-12, stored + " with " + segments + " segment(s): relative difference " + worst);
    }
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
