package org.bml.hierarchical;

import static org.bml.hierarchical.BmamlTestData.between;
import static org.bml.hierarchical.BmamlTestData.grad;
import static org.bml.hierarchical.BmamlTestData.norm;
import static org.bml.hierarchical.BmamlTestData.regression;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.algorithms.Maml;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.particles.RbfKernel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The degenerate corners of BMAML and EMAML, on small random float64 problems: one particle, no
 * chaser (meta-loss = query loss), the target −L without precisions or prior and ε = α make SVGD
 * gradient descent on L, so BMAML's meta-gradient is MAML's (FOMAML's for the first order); EMAML
 * with one member is MAML. Norm-wise relative tolerance 1e-12.
 */
class BmamlReductionProperties {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 4, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static void assertSame(List<INDArray> got, List<INDArray> maml, String what) {
    double err = GradientCheck.relativeError(got, maml);
    assertTrue(err <= 1e-12, what + " vs MAML: rel err " + err);
    assertTrue(norm(maml) > 1e-6, "the meta-gradient must not be trivially zero");
  }

  @Property(tries = 20, seed = "1806038360")
  void oneParticleWithoutChaserIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll boolean medianKernel,
      @ForAll long seed) {
    double alpha = between(seed, 0.01, 0.3);
    RbfKernel kernel = medianKernel ? RbfKernel.medianHeuristic() : RbfKernel.fixed(between(seed + 5, 0.1, 10));
    Bmaml bmaml = new Bmaml(BmamlPosterior.negativeLoss(MLP, MSE, BmamlEnsemble.Output.REGRESSION),
        new Bmaml.Config(1, steps, alpha, 0, kernel, Bmaml.Objective.QUERY_LOSS, order));
    Params theta = MLP.init(seed, DataType.DOUBLE);
    Params meta = BmamlEnsemble.combine(List.of(theta)); // the same tensors, renamed
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 5, 2, 1);
    List<INDArray> got = grad(bmaml.metaLoss(meta, support, query), meta.tensors());
    List<INDArray> maml = grad(new Maml(MLP, MSE, steps, alpha, order).metaLoss(theta, support, query),
        theta.tensors());
    assertSame(got, maml, "BMAML (M = 1, no chaser), " + order + ", K = " + steps);
  }

  @Property(tries = 15, seed = "1806038361")
  void oneMemberEnsembleIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll long seed) {
    double alpha = between(seed, 0.01, 0.3);
    Emaml emaml = new Emaml(MLP, MSE, BmamlEnsemble.Output.REGRESSION, 1, steps, alpha, order);
    Params theta = MLP.init(seed, DataType.DOUBLE);
    Params meta = BmamlEnsemble.combine(List.of(theta));
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 5, 2, 1);
    List<INDArray> got = grad(emaml.metaLoss(meta, support, query), meta.tensors());
    List<INDArray> maml = grad(new Maml(MLP, MSE, steps, alpha, order).metaLoss(theta, support, query),
        theta.tensors());
    assertSame(got, maml, "EMAML (M = 1), " + order + ", K = " + steps);
  }
}
