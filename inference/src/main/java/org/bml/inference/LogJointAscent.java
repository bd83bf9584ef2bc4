package org.bml.inference;

import java.util.Arrays;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * MAP inference with an explicit prior: K steps of gradient ascent on the log joint,
 * φ_{k+1} = φ_k + α ∇_φ [log p(D | φ_k) + log p(φ_k | θ)] from φ_0 = θ, returning a point mass at
 * φ_K. With a Gaussian prior centred at θ this is the regularised inner loop of iMAML
 * (Rajeswaran et al. 2019) run to (approximate) convergence; it is also the mode finder of the
 * Laplace strategy and, with one particle, what SVGD reduces to (Liu & Wang 2016).
 *
 * <p>Lifecycle: configured once (steps, step size, order, log-likelihood, prior family); each
 * {@link #infer} call starts from θ and returns new parameters. With {@link GradientOrder#SECOND}
 * the steps are recorded (exactly differentiable with respect to θ and the prior's parameters); with
 * {@link GradientOrder#FIRST} the inner gradients are constants. When nothing requires a gradient
 * nothing is recorded.
 */
public final class LogJointAscent implements InferenceStrategy {
  private final int steps;
  private final double stepSize;
  private final GradientOrder order;
  private final LogLikelihood logLikelihood;
  private final PriorFamily prior;

  /**
   * @param steps K ≥ 0
   * @param stepSize α, finite and ≥ 0
   * @param order how the result is differentiated with respect to θ (never switched silently)
   * @param logLikelihood log p(D | φ), summed over points
   * @param prior p(φ | θ)
   */
  public LogJointAscent(int steps, double stepSize, GradientOrder order, LogLikelihood logLikelihood,
      PriorFamily prior) {
    if (steps < 0) {
      throw new IllegalArgumentException("LogJointAscent: steps must be >= 0, got " + steps);
    }
    if (!(stepSize >= 0) || !Double.isFinite(stepSize)) {
      throw new IllegalArgumentException("LogJointAscent: step size must be finite and >= 0, got " + stepSize);
    }
    if (order == null || logLikelihood == null || prior == null) {
      throw new IllegalArgumentException("LogJointAscent: gradient order, log-likelihood and prior family must be given");
    }
    this.steps = steps;
    this.stepSize = stepSize;
    this.order = order;
    this.logLikelihood = logLikelihood;
    this.prior = prior;
  }

  public int steps() {
    return steps;
  }

  public double stepSize() {
    return stepSize;
  }

  /**
   * Point mass at φ_K. The {@code loss} argument is not used: the target is this strategy's own
   * log-likelihood and prior (it may be null).
   */
  @Override
  public PointMass infer(Params theta, Data support, Likelihood loss) {
    return new PointMass(adapt(theta, support));
  }

  /** φ_K per task (leading task axis). */
  public Params adapt(Params theta, Data support) {
    return ascend(theta.expand(support.tasks()), prior.given(theta), support, steps);
  }

  /** K steps from a given start (leading task axis) under a given prior. */
  public Params ascend(Params start, LogPrior logPrior, Data support, int k) {
    boolean differentiable = dependsOnVariables(logLikelihood, logPrior, start, support);
    return GradientSteps.run(start, k, phi -> Ops.sum(logJoint(logLikelihood, logPrior, phi, support), false),
        (phi, g) -> phi.zip(g, (p, gi) -> Ops.addScaled(p, gi, stepSize)), order, differentiable);
  }

  /**
   * log p(D | φ) + log p(φ) per task, {@code [T]}, checking that both terms have that shape.
   */
  public static Tensor logJoint(LogLikelihood logLikelihood, LogPrior logPrior, Params phi, Data data) {
    Tensor ll = logLikelihood.perTask(phi, data);
    Tensor lp = logPrior.logDensity(phi);
    long t = data.tasks();
    if (ll.rank() != 1 || ll.size(0) != t) {
      throw new IllegalArgumentException("log-likelihood must have shape [" + t + "] (one value per task), got "
          + Arrays.toString(ll.shape()));
    }
    if (lp.rank() != 1 || lp.size(0) != t) {
      throw new IllegalArgumentException("log prior must have shape [" + t + "] (one value per task), got "
          + Arrays.toString(lp.shape()));
    }
    return Ops.add(ll, lp);
  }

  /**
   * Whether the iterates must be recorded: φ requires a gradient, or the log joint at a constant φ
   * still does (the prior or the likelihood holds variables, e.g. a learnable prior variance).
   */
  public static boolean dependsOnVariables(LogLikelihood logLikelihood, LogPrior logPrior, Params phi, Data data) {
    if (anyRequiresGrad(phi)) {
      return true;
    }
    Params constant = phi.detach();
    return logPrior.logDensity(constant).requiresGrad() || logLikelihood.perTask(constant, data).requiresGrad();
  }

  /** The tensors that do not require a gradient replaced by fresh variables (the others kept, graph and all). */
  public static Params asRoots(Params p) {
    return p.map(t -> t.requiresGrad() ? t : t.asVariable());
  }

  public static boolean anyRequiresGrad(Params p) {
    for (Tensor t : p.tensors()) {
      if (t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }
}
