package org.bml.algorithms;

import java.util.Collection;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PointMass;
import org.bml.inference.TaskPosterior;
import org.bml.inference.TruncatedGradientDescent;

/**
 * ANIL, "Almost No Inner Loop" (Raghu, Raghu, Bengio & Vinyals, ICLR 2020, "Rapid Learning or
 * Feature Reuse?", arXiv:1909.09157): MAML whose inner loop adapts only the head (the named
 * parameters, usually the last layer); the body is shared by all tasks and learned by the outer
 * loop only.
 *
 * <p>Composition: {@link TruncatedGradientDescent} runs on the head subset of θ, with the
 * likelihood evaluated at body ∪ head, so the task posterior is a point mass at
 * body (shared, no task axis) ∪ φ_head (per task); {@link Model#forward} takes such mixed
 * parameters. The query loss at that point ({@link MetaObjective#queryLossAtMode()}) is the
 * meta-loss. With {@link GradientOrder#SECOND} the meta-gradient with respect to the body flows
 * through the inner steps too (the head's gradient depends on the features); with
 * {@link GradientOrder#FIRST} the inner gradients are constants. The body's features are
 * recomputed at each inner step (the model is a black box here), which costs a forward pass per
 * step but nothing else.
 */
public final class Anil extends InnerLoopLearner {
  private final List<String> head;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  /**
   * @param headNames the parameters adapted per task (each a parameter of the model)
   * @param innerSteps k ≥ 0
   * @param innerStepSize α ≥ 0
   */
  public Anil(Model model, Likelihood likelihood, Collection<String> headNames, int innerSteps, double innerStepSize,
      GradientOrder order) {
    this(model, likelihood, headNames, new TruncatedGradientDescent(innerSteps, innerStepSize, order));
  }

  private Anil(Model model, Likelihood likelihood, Collection<String> headNames, TruncatedGradientDescent inner) {
    super("Anil", model, likelihood, inner);
    this.head = Hyper.parameterNames("Anil", "head parameter", model, headNames);
  }

  /** ANIL's runs through {@link TruncatedGradientDescent#adaptSubset} (the body a segment input): checkpointable. */
  @Override
  protected Anil withInner(TruncatedGradientDescent replacement) {
    return new Anil(model, likelihood, head, replacement);
  }

  /** ANIL on {@link Conv4}: the linear head ({@code head.weight}, {@code head.bias}) is adapted. */
  public static Anil conv4(Conv4 model, Likelihood likelihood, int innerSteps, double innerStepSize,
      GradientOrder order) {
    return new Anil(model, likelihood, Conv4.headNames(), innerSteps, innerStepSize, order);
  }

  /** The adapted (head) parameter names. */
  public List<String> headNames() {
    return head;
  }

  /** Point mass at body ∪ φ_head after the configured number of head steps. */
  public TaskPosterior infer(Params meta, Data support) {
    return new PointMass(adapt(meta, support, inner.steps()));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return objective.loss(infer(meta, support), query, likelihood);
  }

  /** θ with the head replaced by per-task head parameters after {@code steps} steps. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return adaptSubset(inner, likelihood, meta, head, support, steps);
  }

  /**
   * ANIL's adaptation from any θ: θ with the parameters {@code names} replaced by per-task values
   * after {@code steps} inner steps on the support set, every other parameter held at θ.
   */
  public static Params adaptSubset(TruncatedGradientDescent inner, Likelihood likelihood, Params theta,
      List<String> names, Data support, int steps) {
    return inner.adaptSubset(theta, names, support, likelihood, steps);
  }
}
