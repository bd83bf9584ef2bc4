package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.between;
import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.norm;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.algorithms.Anil;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.regularizers.StochasticBottleneck;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MR-MAML's degenerate case, float64: with β = 0 and exact zero variance the meta-regularised
 * learners give the meta-gradient of MAML with the same adapted/non-adapted split, i.e. of
 * {@link Anil} (head-only adaptation), for random problems (tasks, points, steps, step size,
 * gradient order, data and initial values drawn per try). Tolerance: norm-wise relative error
 * ≤ 1e-12.
 */
class MrMamlReductionProperties {

  /** MR-MAML(W), zero variance on the body, head adapted = ANIL with that head. */
  @Property(tries = 30, seed = "1912038201")
  void weightsWithZeroVarianceAndZeroBetaIsAnil(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 5) int points, @ForAll @IntRange(min = 0, max = 3) int steps,
      @ForAll GradientOrder order, @ForAll long seed) {
    Mlp net = new Mlp(Activation.TANH, 2, 5, 4, 1);
    List<String> head = List.of(Mlp.weight(2), Mlp.biasName(2));
    double alpha = between(seed, 0.01, 0.4);
    Likelihood mse = Likelihood.meanSquaredError(net);
    MrMamlWeights mr = MrMamlWeights.zeroVariance(net, mse, head, steps, alpha, order);
    Anil anil = new Anil(net, mse, head, steps, alpha, order);
    Params theta = mr.initialize(seed, DataType.DOUBLE);
    Data support = data(seed + 1, tasks, points, 2);
    Data query = data(seed + 2, tasks, 4, 2);
    List<INDArray> a = grad(mr.metaLoss(theta, support, query, seed), theta.tensors());
    List<INDArray> b = grad(anil.metaLoss(theta, support, query), theta.tensors());
    double err = GradientCheck.relativeError(a, b);
    assertTrue(err <= 1e-12, "MR-MAML(W) (β = 0, σ = 0) vs ANIL, " + order + ", " + steps + " steps: rel err " + err);
    assertTrue(norm(b) > 1e-6, "the meta-gradient must not be trivially zero");
  }

  /** MR-MAML(A), z = μ(x) and β = 0, decoder adapted = ANIL on the bottleneck's mean path with the decoder as head. */
  @Property(tries = 30, seed = "1912038202")
  void activationsWithZeroVarianceAndZeroBetaIsAnil(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 5) int points, @ForAll @IntRange(min = 0, max = 3) int steps,
      @ForAll GradientOrder order, @ForAll long seed) {
    StochasticBottleneck net = new StochasticBottleneck(new Mlp(Activation.TANH, 2, 5, 4),
        new Mlp(Activation.TANH, 2, 3, 1), 2);
    double alpha = between(seed, 0.01, 0.4);
    MrMamlActivations mr = MrMamlActivations.zeroVariance(net, Likelihood::meanSquaredError, steps, alpha, order);
    Anil anil = new Anil(net, Likelihood.meanSquaredError(net), net.decoderNames(), steps, alpha, order);
    Params theta = mr.initialize(seed, DataType.DOUBLE);
    Data support = data(seed + 1, tasks, points, 2);
    Data query = data(seed + 2, tasks, 4, 2);
    List<INDArray> a = grad(mr.metaLoss(theta, support, query, seed), theta.tensors());
    List<INDArray> b = grad(anil.metaLoss(theta, support, query), theta.tensors());
    double err = GradientCheck.relativeError(a, b);
    assertTrue(err <= 1e-12, "MR-MAML(A) (β = 0, σ = 0) vs ANIL, " + order + ", " + steps + " steps: rel err " + err);
    assertTrue(norm(b) > 1e-6, "the meta-gradient must not be trivially zero");
  }

  static Data data(long seed, int tasks, int points, int dim) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, dim)),
        Tensor.constant(GradientCheck.uniform(seed + 7, -1, 1, tasks, points, 1)));
  }
}
