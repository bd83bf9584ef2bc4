package org.bml.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Recompute;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * MAP inference by K steps of (preconditioned) gradient descent from θ:
 * φ_{k+1} = φ_k − B ∇_φ [L(φ_k; D) + w·(−log p(φ_k | θ))] with φ_0 = θ, returning a point mass at
 * φ_K. Without the explicit prior term (the default) and for a quadratic loss this lands exactly
 * on the MAP under the implicit Gaussian prior of early stopping (Santos 1996; Grant et al. 2018;
 * see {@code org.bml.priors.EarlyStoppingPrior}). This is MAML's inner loop (Finn, Abbeel &amp;
 * Levine 2017); learned per-parameter step sizes make it Meta-SGD's (Li et al. 2017).
 *
 * <p>B is a {@link Preconditioner}: a scalar step size α (B = αI), per-parameter step sizes, or a
 * full matrix over each task's flattened parameters. The optional explicit prior term
 * ({@link #withPrior}, {@link #withProximalTerm}) adds w·(−log p(φ | θ)) to each task's loss;
 * since the likelihood terms are means over a task's points, w = 1/n makes the objective the
 * negative log posterior over n, and ½λ‖φ − θ‖² is the proximal term of iMAML.
 *
 * <p>With {@link GradientOrder#SECOND} the steps are recorded, so the posterior is exactly
 * differentiable with respect to θ (and to learned step sizes, preconditioners or prior
 * parameters); with {@link GradientOrder#FIRST} the inner gradients are constants. When nothing
 * requires gradients (evaluation), the steps record nothing whatever the order.
 */
public final class TruncatedGradientDescent implements InferenceStrategy {
  private final int steps;
  private final Preconditioner preconditioner;
  private final GradientOrder order;
  private final PriorFamily prior;
  private final double priorWeight;
  // 0: the whole unrolled graph is kept; > 0: that many checkpointed segments; −1: ⌈√K⌉ of them.
  private final int recomputeSegments;

  /** K steps of size α (scalar). */
  public TruncatedGradientDescent(int steps, double stepSize, GradientOrder order) {
    this(steps, new ScalarPreconditioner(stepSize), order, null, 0);
  }

  /**
   * K steps with per-parameter step sizes (same names and shapes as θ), which may themselves be
   * variables to learn (Meta-SGD).
   */
  public TruncatedGradientDescent(int steps, Params stepSizes, GradientOrder order) {
    this(steps, new DiagonalPreconditioner(stepSizes), order, null, 0);
  }

  /** K steps preconditioned by B. */
  public TruncatedGradientDescent(int steps, Preconditioner preconditioner, GradientOrder order) {
    this(steps, preconditioner, order, null, 0);
  }

  private TruncatedGradientDescent(int steps, Preconditioner preconditioner, GradientOrder order, PriorFamily prior,
      double priorWeight) {
    this(steps, preconditioner, order, prior, priorWeight, 0);
  }

  private TruncatedGradientDescent(int steps, Preconditioner preconditioner, GradientOrder order, PriorFamily prior,
      double priorWeight, int recomputeSegments) {
    if (steps < 0) {
      throw new IllegalArgumentException("TruncatedGradientDescent: steps must be >= 0, got " + steps);
    }
    if (preconditioner == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner must be given");
    }
    if (order == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: gradient order must be given (SECOND or FIRST)");
    }
    this.steps = steps;
    this.preconditioner = preconditioner;
    this.order = order;
    this.prior = prior;
    this.priorWeight = priorWeight;
    this.recomputeSegments = recomputeSegments;
  }

  public int steps() {
    return steps;
  }

  public GradientOrder order() {
    return order;
  }

  public Preconditioner preconditioner() {
    return preconditioner;
  }

  /** The explicit prior p(φ | θ), if any. */
  public Optional<PriorFamily> prior() {
    return Optional.ofNullable(prior);
  }

  /** The weight w of the explicit prior term (0 without one). */
  public double priorWeight() {
    return priorWeight;
  }

  /** The same strategy with another number of steps (e.g. more steps at test time). */
  public TruncatedGradientDescent withSteps(int k) {
    return new TruncatedGradientDescent(k, preconditioner, order, prior, priorWeight, recomputeSegments);
  }

  /**
   * The same strategy descending L(φ) + w·(−log p(φ | θ)) per task. A fixed prior of the priors
   * module fits as {@code theta -> prior::logDensity}.
   *
   * @param prior p(φ | θ); its log density of per-task φ must have shape {@code [T]}
   * @param weight w &gt; 0 (finite)
   */
  public TruncatedGradientDescent withPrior(PriorFamily prior, double weight) {
    if (prior == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: prior must be given");
    }
    if (!(weight > 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("TruncatedGradientDescent: prior weight must be positive and finite, got "
          + weight);
    }
    return new TruncatedGradientDescent(steps, preconditioner, order, prior, weight, recomputeSegments);
  }

  /**
   * The same strategy descending L(φ) + ½ λ ‖φ − θ‖² per task: the explicit Gaussian prior
   * N(θ, λ⁻¹ I) with weight 1.
   *
   * @param precision λ &gt; 0 (finite)
   */
  public TruncatedGradientDescent withProximalTerm(double precision) {
    if (!(precision > 0) || !Double.isFinite(precision)) {
      throw new IllegalArgumentException("TruncatedGradientDescent: proximal precision λ must be positive and finite, "
          + "got " + precision);
    }
    return withPrior(PriorFamily.isotropic(1 / precision), 1.0);
  }

  /**
   * The same strategy with the inner loop checkpointed in ⌈√K⌉ segments ({@link Recompute}): the
   * meta-gradient is the same, memory holds one segment's graph (plus the iterates at segment
   * boundaries) instead of all K steps', at the cost of one extra forward run of the steps. The
   * adapted parameters are then differentiable once (meta-gradients, not Hessians of the
   * meta-loss). A learned preconditioner is not supported with it.
   */
  public TruncatedGradientDescent withRecompute() {
    return new TruncatedGradientDescent(steps, preconditioner, order, prior, priorWeight, -1);
  }

  /** As {@link #withRecompute()} with a given number of segments (≥ 1; capped at K). */
  public TruncatedGradientDescent withRecompute(int segments) {
    if (segments < 1) {
      throw new IllegalArgumentException("TruncatedGradientDescent: recompute segments must be >= 1, got " + segments);
    }
    return new TruncatedGradientDescent(steps, preconditioner, order, prior, priorWeight, segments);
  }

  /** Checkpointed segments for K steps: 0 when the whole graph is kept. */
  public int recomputeSegments(int k) {
    if (recomputeSegments == 0 || k == 0) {
      return 0;
    }
    return recomputeSegments > 0 ? Math.min(recomputeSegments, k) : (int) Math.ceil(Math.sqrt(k));
  }

  @Override
  public TaskPosterior infer(Params theta, Data support, Likelihood likelihood) {
    return new PointMass(adapt(theta, support, likelihood, steps));
  }

  /** The per-task adapted parameters φ_K (leading task axis). */
  public Params adapt(Params theta, Data support, Likelihood likelihood, int k) {
    preconditioner.requireCompatible(theta);
    LogPrior logPrior = prior == null ? null : prior.given(theta);
    Params phi = theta.expand(support.tasks());
    boolean differentiable = GradientSteps.anyRequiresGrad(theta.tensors())
        || GradientSteps.anyRequiresGrad(preconditioner.tensors())
        || (logPrior != null && logPrior.logDensity(phi.detach()).requiresGrad());
    return run(phi, prior == null ? null : theta, null, null, logPrior, support, likelihood, k, differentiable);
  }

  /**
   * K steps on the parameters {@code names} of θ only, every other parameter held at θ (ANIL's head,
   * the adapted part of MR-MAML(W)): θ with those parameters replaced by their per-task values. Under
   * {@link #withRecompute} the held parameters are segment inputs too, so their gradient through the
   * steps is kept.
   */
  public Params adaptSubset(Params theta, java.util.Collection<String> names, Data support, Likelihood likelihood,
      int k) {
    Params part = theta.subset(names);
    List<String> heldNames = new ArrayList<>(theta.names());
    heldNames.removeAll(part.names());
    Params held = theta.subset(heldNames);
    java.util.function.Function<Params, Likelihood> on = h -> {
      Params whole = h == held ? theta : theta.withAll(h);
      return (p, d) -> likelihood.perTask(whole.withAll(p), d);
    };
    preconditioner.requireCompatible(part);
    LogPrior logPrior = prior == null ? null : prior.given(part);
    Params phi = part.expand(support.tasks());
    boolean differentiable = GradientSteps.anyRequiresGrad(part.tensors())
        || GradientSteps.anyRequiresGrad(held.tensors())
        || GradientSteps.anyRequiresGrad(preconditioner.tensors())
        || (logPrior != null && logPrior.logDensity(phi.detach()).requiresGrad());
    return theta.withAll(run(phi, prior == null ? null : part, held, on, logPrior, support, on.apply(held), k,
        differentiable));
  }

  // K steps from phi, in checkpointed segments when asked (and something is differentiable). Segment inputs
  // besides phi: theta, which the explicit prior reads (null without a prior), and held, which the likelihood
  // reads (null when it reads nothing that needs a gradient; then likelihoodOf is null too).
  private Params run(Params phi, Params theta, Params held, java.util.function.Function<Params, Likelihood> likelihoodOf,
      LogPrior logPrior, Data support, Likelihood likelihood, int k, boolean differentiable) {
    boolean createGraph = differentiable && order == GradientOrder.SECOND;
    int segments = recomputeSegments(k);
    if (segments == 0 || !differentiable) {
      return descend(phi, logPrior, support, likelihood, k, createGraph, differentiable);
    }
    for (Tensor t : preconditioner.tensors()) {
      if (t.requiresGrad()) {
        throw new IllegalArgumentException("TruncatedGradientDescent: recompute does not support a learned"
            + " preconditioner (" + preconditioner + ")");
      }
    }
    // Segment inputs: the iterate, θ when the explicit prior reads it, the held parameters the likelihood reads,
    // and the support set when it depends on θ (MR-MAML(A)'s decoder adapts on the encoder's z).
    List<String> names = phi.names();
    int n = names.size();
    int nt = n + (theta == null ? 0 : theta.size());
    int nh = nt + (held == null ? 0 : held.size());
    boolean dataInput = support.x().requiresGrad() || support.y().requiresGrad();
    int length = (k + segments - 1) / segments;
    for (int from = 0; from < k; from += length) {
      int m = Math.min(length, k - from);
      List<Tensor> inputs = new ArrayList<>(phi.tensors());
      if (theta != null) {
        inputs.addAll(theta.tensors());
      }
      if (held != null) {
        inputs.addAll(held.tensors());
      }
      if (dataInput) {
        inputs.add(support.x());
        inputs.add(support.y());
      }
      List<Tensor> out = Recompute.checkpoint("inner steps " + from + ".." + (from + m - 1), inputs, fresh -> {
        LogPrior lp = theta == null ? null : prior.given(Params.of(theta.names(), fresh.subList(n, nt)));
        Likelihood lik = held == null ? likelihood : likelihoodOf.apply(Params.of(held.names(), fresh.subList(nt, nh)));
        Data d = dataInput ? new Data(fresh.get(nh), fresh.get(nh + 1)) : support;
        return descend(Params.of(names, fresh.subList(0, n)), lp, d, lik, m, createGraph, true).tensors();
      });
      phi = Params.of(names, out);
    }
    return phi;
  }

  /**
   * K steps from per-task starts {@code [T, ...]} (e.g. PLATIPUS's θ sampled per task) instead of
   * the shared θ; recorded when the start, B or the prior requires a gradient, and checkpointed like
   * {@link #adapt} under {@link #withRecompute}. Without an explicit prior; with one, use {@link #adapt}.
   */
  public Params adaptFrom(Params start, Data support, Likelihood likelihood, int k) {
    if (prior != null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: adaptFrom takes no explicit prior (it is centred"
          + " at θ); use adapt");
    }
    boolean differentiable = GradientSteps.anyRequiresGrad(start.tensors())
        || GradientSteps.anyRequiresGrad(preconditioner.tensors());
    return run(start, null, null, null, null, support, likelihood, k, differentiable);
  }

  private Params descend(Params phi, LogPrior logPrior, Data support, Likelihood likelihood, int k,
      boolean createGraph, boolean differentiable) {
    GradientSteps.Objective loss = current -> {
      Tensor l = Ops.sum(likelihood.perTask(current, support), false);
      return logPrior == null ? l
          : Ops.addScaled(l, Ops.sum(perTask(logPrior.logDensity(current), support.tasks()), false), -priorWeight);
    };
    // createGraph is differentiable ∧ SECOND: the loop's order says the same.
    return GradientSteps.run(phi, k, loss, preconditioner::step, createGraph ? GradientOrder.SECOND
        : GradientOrder.FIRST, differentiable);
  }

  private static Tensor perTask(Tensor logDensity, long tasks) {
    if (logDensity.rank() != 1 || logDensity.size(0) != tasks) {
      throw new IllegalArgumentException("TruncatedGradientDescent: the prior's log density must have shape [" + tasks
          + "] (one value per task), got " + java.util.Arrays.toString(logDensity.shape()));
    }
    return logDensity;
  }

  @Override
  public String toString() {
    return "TruncatedGradientDescent(K=" + steps + ", B=" + preconditioner + ", " + order
        + (prior == null ? "" : ", explicit prior × " + priorWeight)
        + (recomputeSegments == 0 ? "" : ", recompute " + (recomputeSegments < 0 ? "√K" : recomputeSegments) + " segments")
        + ")";
  }
}
