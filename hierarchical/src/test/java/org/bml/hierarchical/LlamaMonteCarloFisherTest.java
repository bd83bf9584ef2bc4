package org.bml.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LLAMA (Grant et al. 2018) with the Monte-Carlo Fisher (Martens &amp; Grosse 2015 §5) as its output
 * curvature: for a fixed seed the meta-loss is a deterministic function of θ (the sampled labels are
 * constant between the θ where a cumulative probability crosses its uniform, far farther than the
 * differences' ε), so its meta-gradient must match central finite differences in float64 — on a
 * softmax MLP with K-FAC and with the diagonal GGN (relative 1e-6 over all parameters, ε 1e-6), and
 * on a tiny Conv-4 with conv K-FAC (three seeded random directions, relative 1e-6). The Monte-Carlo
 * meta-loss differs from the exact-Fisher one (it is not silently the exact factor) and is the same
 * at every call.
 */
class LlamaMonteCarloFisherTest {

  private static Data classes(long seed, int tasks, int n, int dim, int classes) {
    INDArray x = GradientCheck.uniform(seed, -2, 2, tasks, n, dim);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, classes);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new int[] {t, i, (t + i) % classes}, 1.0);
      }
    }
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  @Test
  void mlpMetaGradientWithTheMonteCarloFisherMatchesFiniteDifferences() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 4, 3);
    Params theta = mlp.init(3, DataType.DOUBLE);
    Data support = classes(7, 2, 6, 2, 3);
    Data query = classes(9, 2, 4, 2, 3);
    for (Curvature c : new Curvature[] {Curvature.KFAC, Curvature.DIAGONAL_GGN}) {
      Llama mc = new Llama(mlp, Likelihood.softmaxCrossEntropy(mlp), LogLikelihood.categoricalMonteCarlo(mlp, 2, 11),
          2, 0.3, 0.7, 0.5, 0.1, c);
      Function<List<Tensor>, Tensor> f = xs -> mc.metaLoss(Params.of(theta.names(), xs), support, query);
      List<INDArray> at = new ArrayList<>();
      for (Tensor t : theta.tensors()) {
        at.add(t.value());
      }
      double err = GradientCheck.gradientError(f, at, 1e-6);
      assertTrue(err < 1e-6, c + ": LLAMA (Monte-Carlo Fisher) meta-gradient relative error " + err);
      assertEquals(mc.metaLoss(theta, support, query).item(), mc.metaLoss(theta, support, query).item(), 0.0,
          c + ": the seeded Monte-Carlo meta-loss must be the same at every call");
      Llama exact = new Llama(mlp, Likelihood.softmaxCrossEntropy(mlp), LogLikelihood.categorical(mlp), 2, 0.3, 0.7,
          0.5, 0.1, c);
      double a = mc.metaLoss(theta, support, query).item();
      double b = exact.metaLoss(theta, support, query).item();
      assertTrue(Math.abs(a - b) > 1e-6 * Math.abs(b), c + ": Monte-Carlo and exact meta-loss coincide: " + a);
    }
  }

  @Test
  void conv4MetaGradientWithTheMonteCarloFisherMatchesFiniteDifferences() {
    Conv4 conv = new Conv4(1, 2, 16, 3);
    Llama llama = Llama.classificationMonteCarlo(conv, 1, 0.1, 0.5, 0.1, 1, 5);
    assertEquals(Curvature.KFAC, llama.curvature());
    Params theta = conv.init(1, DataType.DOUBLE);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 2, 3, 3);
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 3; i++) {
        y.putScalar(new int[] {t, i, (t + i) % 3}, 1);
      }
    }
    Data support = new Data(Tensor.constant(GradientCheck.uniform(3, 0, 1, 2, 3, 1, 16, 16)), Tensor.constant(y));
    Data query = new Data(Tensor.constant(GradientCheck.uniform(4, 0, 1, 2, 3, 1, 16, 16)), Tensor.constant(y));
    Tensor loss = llama.metaLoss(theta, support, query);
    assertTrue(Double.isFinite(loss.item()));
    List<INDArray> g = LlamaTest.grad(loss, theta.tensors());
    Function<List<Tensor>, Tensor> f = xs -> llama.metaLoss(Params.of(theta.names(), xs), support, query);
    LlamaTest.assertDirectionalDerivatives(f, theta, g);
    double exact = Llama.classification(conv, 1, 0.1, 0.5, 0.1).metaLoss(theta, support, query).item();
    assertTrue(Math.abs(loss.item() - exact) > 1e-9 * Math.abs(exact), "Monte-Carlo and exact meta-loss coincide");
  }
}
