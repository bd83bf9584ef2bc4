package org.bml.priors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Noise;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * A Gaussian with diagonal covariance, N(μ, diag(exp(log σ²))), element by element independent.
 * Log density, reparameterised sampling and the closed-form KL between two members are written
 * once here as compositions of differentiable ops, so gradients reach μ and log σ² whichever
 * member holds them.
 */
public sealed interface FactorisedGaussian extends Prior permits DiagonalGaussian, IsotropicGaussian, StandardNormal {
  /** μ of one parameter: its declared shape, or with the leading task axis when {@link #tasks()} &gt; 0. */
  Tensor mean(String name);

  /** log σ² of one parameter, broadcastable to {@link #mean(String)} (a scalar for an isotropic Gaussian). */
  Tensor logVariance(String name);

  @Override
  default Tensor logDensity(Params phi) {
    String where = getClass().getSimpleName() + ".logDensity";
    long tasks = Structures.combineTasks(where, Structures.tasksOf(where, parameterShapes(), dtype(), phi), tasks());
    List<Tensor> terms = new ArrayList<>();
    for (String name : parameterShapes().keySet()) {
      // gaussianNll = ½(log 2π + log σ² + (φ − μ)² / σ²), element-wise.
      Tensor nll = Ops.gaussianNll(phi.get(name), mean(name), logVariance(name));
      terms.add(Ops.neg(Structures.sumElements(nll, tasks > 0)));
    }
    return Structures.total(terms);
  }

  @Override
  default Params sample(long seed) {
    return draw(tasks(), seed);
  }

  @Override
  default Params sample(long tasks, long seed) {
    String where = getClass().getSimpleName() + ".sample";
    Structures.requireTaskCount(where, tasks);
    if (tasks() > 0 && tasks != tasks()) {
      throw new IllegalArgumentException(where + ": this prior holds " + tasks() + " tasks, asked for " + tasks);
    }
    return draw(tasks, seed);
  }

  // μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, I) a constant: the reparameterisation trick.
  private Params draw(long tasks, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : parameterShapes().entrySet()) {
      String name = e.getKey();
      Tensor eps = Noise.standardNormal(rng, dtype(), Structures.withTasks(tasks, e.getValue()));
      Tensor sigma = Ops.exp(Ops.mulScalar(logVariance(name), 0.5));
      out.put(name, Ops.add(mean(name), Ops.mul(sigma, eps)));
    }
    return Params.of(out);
  }

  @Override
  default Optional<Tensor> klDivergenceTo(Prior other) {
    return other instanceof FactorisedGaussian g ? Optional.of(klDivergence(g)) : Optional.empty();
  }

  /**
   * KL(this ‖ p) = ½ Σ [log σ_p² − log σ² + (σ² + (μ − μ_p)²) / σ_p² − 1], summed over all
   * parameters ({@code [T]} when either side carries a task axis). Differentiable in both sides'
   * means and log-variances.
   */
  default Tensor klDivergence(FactorisedGaussian p) {
    String where = getClass().getSimpleName() + ".klDivergence";
    Structures.requireSameShapes(where, parameterShapes(), p.parameterShapes());
    if (dtype() != p.dtype()) {
      throw new IllegalArgumentException(where + ": dtypes differ: " + dtype() + " vs " + p.dtype());
    }
    long tasks = Structures.combineTasks(where, tasks(), p.tasks());
    List<Tensor> terms = new ArrayList<>();
    for (String name : parameterShapes().keySet()) {
      Tensor lvq = logVariance(name);
      Tensor lvp = p.logVariance(name);
      Tensor ratio = Ops.exp(Ops.sub(lvq, lvp)); // σ²/σ_p² in one exp: no overflow from either alone
      Tensor shift = Ops.mul(Ops.square(Ops.sub(mean(name), p.mean(name))), Ops.exp(Ops.neg(lvp)));
      Tensor elementwise = Ops.addScalar(Ops.add(Ops.sub(lvp, lvq), Ops.add(ratio, shift)), -1.0);
      terms.add(Ops.mulScalar(Structures.sumElements(elementwise, tasks > 0), 0.5));
    }
    return Structures.total(terms);
  }
}
