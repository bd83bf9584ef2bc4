package org.bml.algorithms;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TruncatedGradientDescent;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel & Levine, ICML 2017, arXiv:1703.03400): the task
 * posterior is a point mass at K gradient steps from θ on the support set
 * ({@link TruncatedGradientDescent}), scored by the query loss at that point
 * ({@link MetaObjective#queryLossAtMode()}). With {@link GradientOrder#FIRST} this is FOMAML
 * (same paper, §5.2): the Hessian term of the meta-gradient is dropped.
 */
public final class Maml extends InnerLoopLearner {
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  public Maml(Model model, Likelihood likelihood, int innerSteps, double innerStepSize, GradientOrder order) {
    this(model, likelihood, new TruncatedGradientDescent(innerSteps, innerStepSize, order));
  }

  /** MAML with a given inner loop (e.g. one checkpointed with {@link TruncatedGradientDescent#withRecompute()}). */
  public Maml(Model model, Likelihood likelihood, TruncatedGradientDescent inner) {
    super("Maml", model, likelihood, inner);
  }

  @Override
  public Maml withRecompute(int segments) {
    return (Maml) super.withRecompute(segments);
  }

  /** MAML's meta-gradient runs through {@link TruncatedGradientDescent#adapt}: it can be checkpointed. */
  @Override
  protected Maml withInner(TruncatedGradientDescent replacement) {
    return new Maml(model, likelihood, replacement);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return objective.loss(inner.infer(meta, support, likelihood), query, likelihood);
  }
}
