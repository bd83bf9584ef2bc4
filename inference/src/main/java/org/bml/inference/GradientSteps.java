package org.bml.inference;

import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * The one gradient-step loop of the inference layer: K steps φ_{k+1} = U(φ_k, ∇_φ F(φ_k)) from a
 * per-task start φ_0 (leading task axis), F a per-task objective summed over tasks and U an update
 * (a {@link Preconditioner}'s φ − B g, a gradient-ascent step, an SVGD step). It serves MAML's inner
 * loop ({@link TruncatedGradientDescent}), MAP by log-joint ascent ({@link LogJointAscent}),
 * PLATIPUS's steps from a sampled θ and BMAML's SVGD ({@code particles.Svgd}).
 *
 * <p>Optionally a per-coordinate displacement scale c: each step's move is multiplied by c,
 * φ_{k+1} = U + (c − 1)∘(U − φ_k), which BMAML uses to step its log-precision coordinates with a
 * smaller size than the weights.
 *
 * <p>Recording: when {@code differentiable} the steps stay on the tape, and with
 * {@link GradientOrder#SECOND} the inner gradients are themselves differentiable (exact meta-gradients);
 * with {@link GradientOrder#FIRST} they are constants. When not {@code differentiable} every iterate
 * is cut from the graph (evaluation: nothing is kept). Iterates that require no gradient become fresh
 * roots so that F can be differentiated at them.
 */
public final class GradientSteps {
  /** F(φ): a scalar (the per-task objectives summed over tasks) at per-task parameters φ. */
  @FunctionalInterface
  public interface Objective {
    Tensor value(Params phi);
  }

  /** U(φ, g): the next iterate from the current one and the gradient of F there. */
  @FunctionalInterface
  public interface Update {
    Params step(Params phi, Params gradient);
  }

  private GradientSteps() {}

  /** K steps without a displacement scale. */
  public static Params run(Params start, int k, Objective objective, Update update, GradientOrder order,
      boolean differentiable) {
    return run(start, k, objective, update, order, differentiable, null);
  }

  /**
   * K steps from {@code start}.
   *
   * @param scaleMinusOne c − 1 per coordinate, by name (broadcast against φ), or null for c = 1
   */
  public static Params run(Params start, int k, Objective objective, Update update, GradientOrder order,
      boolean differentiable, Params scaleMinusOne) {
    if (k < 0) {
      throw new IllegalArgumentException("GradientSteps: steps must be >= 0, got " + k);
    }
    if (order == null) {
      throw new IllegalArgumentException("GradientSteps: gradient order must be given (SECOND or FIRST)");
    }
    boolean createGraph = differentiable && order == GradientOrder.SECOND;
    Params phi = start;
    for (int step = 0; step < k; step++) {
      Params current = phi.map(t -> t.requiresGrad() ? t : t.asVariable());
      Tensor value = objective.value(current);
      List<Tensor> g = Autodiff.grad(List.of(value), null, current.tensors(), createGraph, true);
      Params next = update.step(current, Params.of(current.names(), g));
      if (scaleMinusOne != null) {
        Params previous = phi;
        next = next.mapNamed((n, u) -> scaleMinusOne.has(n)
            ? Ops.add(u, Ops.mul(Ops.sub(u, previous.get(n)), scaleMinusOne.get(n))) : u);
      }
      phi = differentiable ? next : next.detach();
    }
    return phi;
  }

  /** Whether any tensor requires a gradient. */
  public static boolean anyRequiresGrad(List<Tensor> tensors) {
    for (Tensor t : tensors) {
      if (t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }
}
