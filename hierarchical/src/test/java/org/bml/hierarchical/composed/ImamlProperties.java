package org.bml.hierarchical.composed;

import static org.bml.hierarchical.composed.ComposedTestData.difference;
import static org.bml.hierarchical.composed.ComposedTestData.grad;
import static org.bml.hierarchical.composed.ComposedTestData.norm;
import static org.bml.hierarchical.composed.ComposedTestData.regression;
import static org.bml.hierarchical.composed.ComposedTestData.values;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * iMAML's degenerate corner, float64: as λ → ∞ the prior pins φ* to θ. The stationarity condition
 * λ(φ* − θ) = −∇L(φ*) gives ‖φ* − θ‖ = ‖∇L(θ)‖/λ · (1 + O(‖H‖/λ)), and the meta-gradient tends to
 * the query loss's gradient at θ itself, its distance falling as 1/λ (tenfold λ: 0.07–0.13 of it).
 */
class ImamlProperties {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 4, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  @Property(tries = 4, seed = "1909046300")
  void infinitePrecisionLeavesThetaUnchanged(@ForAll @IntRange(min = 3, max = 8) int log10Lambda,
      @ForAll @IntRange(min = 1, max = 3) int tasks, @ForAll long seed) {
    double lambda = Math.pow(10, log10Lambda);
    Params theta = MLP.init(seed, DataType.DOUBLE);
    Data support = regression(seed + 1, tasks, 5, 2, 1);
    Data query = regression(seed + 2, tasks, 4, 2, 1);
    Imaml imaml = new Imaml(MLP, MSE, new Imaml.Config(lambda, 0.3, 200, 1e-13, 10, 1e-14));
    Params phi = imaml.adapt(theta, support, 200);
    for (int t = 0; t < tasks; t++) {
      final int task = t;
      Params one = phi.map(p -> Tensor.constant(p.value().slice(task).dup()));
      Data s = slice(support, t);
      Params at = theta.map(x -> Tensor.variable(x.value().dup()));
      double gradNorm = norm(grad(Ops.sum(MSE.perTask(at.expand(1), s), false), at.tensors()));
      double moved = norm(difference(values(one), values(theta)));
      double ratio = moved * lambda / gradNorm;
      assertTrue(Math.abs(ratio - 1) <= 30 / lambda, "λ = " + lambda + ": λ‖φ* − θ‖/‖∇L(θ)‖ = " + ratio);
    }
    // The meta-gradient's distance to ∇L_query(θ) is O(1/λ): ten times λ, a tenth of the distance.
    double near = distanceToQueryGradient(lambda, theta, support, query);
    double nearer = distanceToQueryGradient(10 * lambda, theta, support, query);
    assertTrue(nearer / near >= 0.07 && nearer / near <= 0.13, "λ = " + lambda + ": distance " + near + ", at 10λ "
        + nearer);
  }

  private static double distanceToQueryGradient(double lambda, Params theta, Data support, Data query) {
    Imaml imaml = new Imaml(MLP, MSE, new Imaml.Config(lambda, 0.3, 200, 1e-13, 10, 1e-14));
    List<INDArray> metaGrad = grad(imaml.metaLoss(theta, support, query), theta.tensors());
    List<INDArray> atTheta = grad(Ops.mean(MSE.perTask(theta, query), false), theta.tensors());
    return GradientCheck.relativeError(metaGrad, atTheta);
  }

  private static Data slice(Data d, int t) {
    return new Data(Tensor.constant(d.x().value().slice(t).dup().reshape(1, d.points(), -1)),
        Tensor.constant(d.y().value().slice(t).dup().reshape(1, d.points(), -1)));
  }
}
