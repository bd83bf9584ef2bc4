package org.bml.algorithms;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TruncatedGradientDescent;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel & Levine, ICML 2017, arXiv:1703.03400): the task
 * posterior is a point mass at K gradient steps from θ on the support set
 * ({@link TruncatedGradientDescent}), scored by the query loss at that point
 * ({@link MetaObjective#queryLossAtMode()}). With {@link GradientOrder#FIRST} this is FOMAML
 * (same paper, §5.2): the Hessian term of the meta-gradient is dropped.
 */
public final class Maml implements MetaLearner {
  private final Model model;
  private final Likelihood likelihood;
  private final TruncatedGradientDescent inner;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  public Maml(Model model, Likelihood likelihood, int innerSteps, double innerStepSize, GradientOrder order) {
    this.model = model;
    this.likelihood = likelihood;
    this.inner = new TruncatedGradientDescent(innerSteps, innerStepSize, order);
  }

  public Model model() {
    return model;
  }

  public TruncatedGradientDescent inner() {
    return inner;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return model.init(seed, dtype);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return objective.loss(inner.infer(meta, support, likelihood), query, likelihood);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return inner.adapt(meta, support, likelihood, steps);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return model.forward(adapted, x);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return likelihood.perTask(adapted, data);
  }
}
