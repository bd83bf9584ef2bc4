package org.bml.inference;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * MAP inference by K steps of (preconditioned) gradient descent from θ:
 * φ_{k+1} = φ_k − α ⊙ ∇_φ [L(φ_k; D) ] with φ_0 = θ, returning a point mass at φ_K. For a
 * quadratic loss this lands exactly on the MAP under the implicit Gaussian prior of early stopping
 * (Santos 1996; Grant et al. 2018). This is MAML's inner loop (Finn, Abbeel & Levine 2017);
 * learned per-parameter step sizes make it Meta-SGD's (Li et al. 2017).
 *
 * <p>With {@link GradientOrder#SECOND} the steps are recorded, so the posterior is exactly
 * differentiable with respect to θ (and to learned step sizes); with {@link GradientOrder#FIRST}
 * the inner gradients are constants. When θ does not require gradients (evaluation), the steps
 * record nothing whatever the order.
 */
public final class TruncatedGradientDescent implements InferenceStrategy {
  private final int steps;
  private final double stepSize;
  private final Params learnedStepSizes;
  private final GradientOrder order;

  /** K steps of size α (scalar). */
  public TruncatedGradientDescent(int steps, double stepSize, GradientOrder order) {
    this(steps, stepSize, null, order);
  }

  /**
   * K steps with per-parameter step sizes (same names and shapes as θ), which may themselves be
   * variables to learn (Meta-SGD).
   */
  public TruncatedGradientDescent(int steps, Params stepSizes, GradientOrder order) {
    this(steps, Double.NaN, stepSizes, order);
  }

  private TruncatedGradientDescent(int steps, double stepSize, Params stepSizes, GradientOrder order) {
    if (steps < 0) {
      throw new IllegalArgumentException("TruncatedGradientDescent: steps must be >= 0, got " + steps);
    }
    if (stepSizes == null && !(stepSize >= 0 && Double.isFinite(stepSize))) {
      throw new IllegalArgumentException("TruncatedGradientDescent: step size must be finite and >= 0, got " + stepSize);
    }
    if (order == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: gradient order must be given (SECOND or FIRST)");
    }
    this.steps = steps;
    this.stepSize = stepSize;
    this.learnedStepSizes = stepSizes;
    this.order = order;
  }

  public int steps() {
    return steps;
  }

  public GradientOrder order() {
    return order;
  }

  /** The same strategy with another number of steps (e.g. more steps at test time). */
  public TruncatedGradientDescent withSteps(int k) {
    return new TruncatedGradientDescent(k, stepSize, learnedStepSizes, order);
  }

  @Override
  public TaskPosterior infer(Params theta, Data support, Likelihood likelihood) {
    return new PointMass(adapt(theta, support, likelihood, steps));
  }

  /** The per-task adapted parameters φ_K (leading task axis). */
  public Params adapt(Params theta, Data support, Likelihood likelihood, int k) {
    if (learnedStepSizes != null) {
      theta.requireSameStructure(learnedStepSizes);
    }
    boolean differentiable = anyRequiresGrad(theta) || (learnedStepSizes != null && anyRequiresGrad(learnedStepSizes));
    boolean createGraph = differentiable && order == GradientOrder.SECOND;
    Params phi = theta.expand(support.tasks());
    for (int step = 0; step < k; step++) {
      // Without a graph to θ the iterate is a constant: make it a fresh root to differentiate the loss.
      Params current = differentiable ? phi : phi.asVariables();
      Tensor loss = Ops.sum(likelihood.perTask(current, support), false);
      List<Tensor> g = Autodiff.grad(List.of(loss), null, current.tensors(), createGraph, true);
      List<String> names = current.names();
      List<Tensor> next = new ArrayList<>(names.size());
      for (int i = 0; i < names.size(); i++) {
        Tensor p = current.get(names.get(i));
        next.add(learnedStepSizes == null
            ? Ops.addScaled(p, g.get(i), -stepSize)
            : Ops.sub(p, Ops.mul(g.get(i), learnedStepSizes.get(names.get(i)))));
      }
      phi = Params.of(names, next);
      if (!differentiable) {
        phi = phi.detach();
      }
    }
    return phi;
  }

  private static boolean anyRequiresGrad(Params p) {
    for (Tensor t : p.tensors()) {
      if (t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }
}
