package org.bml.hierarchical.composed;

import static org.bml.hierarchical.composed.ComposedTestData.grad;
import static org.bml.hierarchical.composed.ComposedTestData.regression;
import static org.bml.hierarchical.composed.ComposedTestData.values;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * ABML's degenerate corner, float64: prior variance σ²_θ = e^{−60} (σ ≈ 1e-13) and KL weight 0, so q's
 * samples are its mean to ~1e-13 and the μ-steps are MAML's (β = 1): the adapted mean equals MAML's
 * adapted parameters and the meta-gradient with respect to μ_θ equals MAML's, both to rel 1e-9.
 */
class AbmlReductionProperties {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 4, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);

  @Property(tries = 8, seed = "2019041")
  void vanishingVarianceIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll long seed) {
    double alpha = 0.05 + 0.25 * Math.abs((seed % 1000) / 1000.0);
    Abml abml = new Abml(MLP, MSE, new Abml.Config(steps, alpha, 0, Math.exp(-60), 1, 1.0, 0, 1, 1, order));
    Params meta = abml.initialize(seed, DataType.DOUBLE);
    Params mu = abml.mean(meta);
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 5, 2, 1);
    Maml maml = new Maml(MLP, MSE, steps, alpha, order);
    double adaptErr = GradientCheck.relativeError(values(abml.adapt(meta, support, steps)),
        values(maml.adapt(mu, support, steps)));
    assertTrue(adaptErr <= 1e-9, "adapted mean vs MAML's adapted parameters: rel err " + adaptErr);
    double gradErr = GradientCheck.relativeError(grad(abml.metaLoss(meta, support, query, seed), mu.tensors()),
        grad(maml.metaLoss(mu, support, query), mu.tensors()));
    assertTrue(gradErr <= 1e-9, order + ", K = " + steps + ": ∇μ_θ vs MAML's meta-gradient: rel err " + gradErr);
  }
}
