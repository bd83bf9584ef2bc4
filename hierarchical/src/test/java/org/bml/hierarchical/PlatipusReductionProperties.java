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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PLATIPUS's degenerate corner, on small random float64 problems: with zero variances (samples are
 * the means), γ_p = γ_q = 0 and KL weight 0, its meta-gradient with respect to μ_θ is MAML's. Norm-wise
 * relative tolerance 1e-12.
 */
class PlatipusReductionProperties {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 4, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  private static void assertMamlGradient(Platipus platipus, int steps, double alpha, GradientOrder order,
      int tasks, long seed) {
    Params meta = platipus.initialize(seed, DataType.DOUBLE);
    Params mu = platipus.mean(meta);
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 5, 2, 1);
    List<INDArray> got = grad(platipus.metaLoss(meta, support, query, seed), mu.tensors());
    List<INDArray> maml = grad(new Maml(MLP, MSE, steps, alpha, order).metaLoss(mu, support, query), mu.tensors());
    double err = GradientCheck.relativeError(got, maml);
    assertTrue(err <= 1e-12, "PLATIPUS (degenerate) vs MAML, " + order + ", K = " + steps + ": rel err " + err);
    assertTrue(norm(maml) > 1e-6, "the meta-gradient must not be trivially zero");
  }

  /** The exact corner: {@code zeroVariance} (σ²_θ = v_q = 0), γ = 0, β_KL = 0. */
  @Property(tries = 20, seed = "1806028170")
  void zeroVarianceZeroGammaIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll long seed) {
    double alpha = between(seed, 0.01, 0.3);
    Platipus p = new Platipus(MLP, MSE, new Platipus.Config(steps, alpha, 0, 1, 1, 0, 0, order, true));
    assertMamlGradient(p, steps, alpha, order, tasks, seed);
  }

  /**
   * The limit from the stochastic side: variances e^{−200} (noise std ≈ 4e-44, below the rounding of
   * θ's entries) sample the mean to the last bit, so the gradient with respect to μ_θ is MAML's too.
   */
  @Property(tries = 10, seed = "1806028171")
  void vanishingVarianceZeroGammaIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 2) int steps, @ForAll long seed) {
    double alpha = between(seed, 0.01, 0.3);
    double tiny = Math.exp(-200);
    Platipus p = new Platipus(MLP, MSE, new Platipus.Config(steps, alpha, 0, tiny, tiny, 0, 0, GradientOrder.SECOND,
        false));
    assertMamlGradient(p, steps, alpha, GradientOrder.SECOND, tasks, seed);
  }
}
