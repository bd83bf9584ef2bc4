package org.bml.algorithms;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;

/**
 * Reptile (Nichol, Achiam & Schulman 2018, "On First-Order Meta-Learning Algorithms",
 * arXiv:1803.02999), batched version: for each task of a meta-batch run k steps of gradient
 * descent from θ, φ_k = U^k(θ), and move θ towards the average of the φ_k:
 * θ ← θ + ε·(mean_t φ_k^t − θ).
 *
 * <p><b>As a gradient.</b> {@link MetaTrainer} differentiates {@link #metaLoss}, so Reptile's
 * update direction is expressed as the gradient of the surrogate
 * <pre>  R(θ) = (1/2T) Σ_t ‖θ − stopgrad(φ_k^t)‖²,   ∇_θ R = θ − mean_t φ_k^t,</pre>
 * exactly the negated Reptile direction; plain SGD with learning rate ε on R is the paper's outer
 * update with meta step size ε (any other outer optimizer, e.g. Adam, is applied to this
 * direction as the paper does). The inner loop is run on constants (nothing is recorded), so the
 * meta-step costs k first-order steps. The <em>value</em> of R (what the trainer reports) is
 * half the mean squared distance the inner loop travelled, not a task loss: track progress with
 * {@link Evaluation} instead.
 *
 * <p><b>Inner data.</b> The inner loop is full-batch gradient descent with a fixed step size (the
 * paper uses mini-batches and Adam; with few-shot tasks the whole set is one batch). By default
 * ({@link InnerData#SUPPORT_AND_QUERY}) it runs on all of a training task's examples, support ∪
 * query: Reptile has no separate query term, and its few-shot experiments train the inner loop
 * on every example sampled for the task. {@link InnerData#SUPPORT} restricts it to the support
 * set. At test time ({@link #adapt}) only the support set is used, with the same step size.
 * With one inner step, θ − φ_1 = α ∇L(θ): Reptile's direction is then the joint-training gradient
 * (paper §5), which {@code PointEstimateReductionProperties} checks.
 */
public final class Reptile extends InnerLoopLearner {
  /** Which examples of a training task the inner loop runs on. */
  public enum InnerData {
    /** The support set only. */
    SUPPORT,
    /** Support and query sets together (all the task's examples). */
    SUPPORT_AND_QUERY
  }

  private final InnerData innerData;

  /** Inner loop on support ∪ query. */
  /** Reptile's update is θ − φ_K with the inner loop on constants: no graph through it to checkpoint. */
  @Override
  public String recomputeRefusal() {
    return "its meta-gradient θ − φ_K does not differentiate through the inner loop (nothing is recorded)";
  }

  public Reptile(Model model, Likelihood likelihood, int innerSteps, double innerStepSize) {
    this(model, likelihood, innerSteps, innerStepSize, InnerData.SUPPORT_AND_QUERY);
  }

  /**
   * @param innerSteps k ≥ 1 (with k = 0 every φ_k equals θ and there is nothing to learn from)
   * @param innerStepSize α > 0
   */
  public Reptile(Model model, Likelihood likelihood, int innerSteps, double innerStepSize, InnerData innerData) {
    super("Reptile", model, likelihood, new TruncatedGradientDescent(Hyper.atLeast("Reptile", "inner steps",
        innerSteps, 1), Hyper.positive("Reptile", "inner step size", innerStepSize), GradientOrder.FIRST));
    this.innerData = Hyper.nonNull("Reptile", "inner data", innerData);
  }

  public InnerData innerData() {
    return innerData;
  }

  /** The surrogate R(θ) whose gradient is θ − mean_t φ_k^t (see the class comment). */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    Data data = innerData == InnerData.SUPPORT ? support : join(support, query);
    Params target = inner.adapt(meta.detach(), data, likelihood, inner.steps()).detach();
    Tensor total = null;
    for (String name : meta.names()) {
      // θ [..] broadcasts against φ [T, ..]: the sum over tasks of ‖θ − φ_t‖².
      Tensor s = Ops.sum(Ops.square(Ops.sub(meta.get(name), target.get(name))), false);
      total = total == null ? s : Ops.add(total, s);
    }
    return Ops.mulScalar(total, 0.5 / data.tasks());
  }

  static Data join(Data a, Data b) {
    return new Data(Ops.concat(1, List.of(a.x(), b.x())), Ops.concat(1, List.of(a.y(), b.y())));
  }
}
