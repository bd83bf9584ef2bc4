package org.bml.algorithms;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every learner over one model and one per-task loss shares: θ is the model's seeded
 * initialisation, prediction is {@code forward}, the per-task loss is the likelihood's. How a
 * subclass adapts (truncated gradient descent in {@link InnerLoopLearner}, a solve to tolerance,
 * a variational posterior) is its own. Immutable.
 */
public abstract class ModelLearner implements MetaLearner {
  protected final Model model;
  protected final Likelihood likelihood;

  protected ModelLearner(String method, Model model, Likelihood likelihood) {
    this.model = Hyper.nonNull(method, "model", model);
    this.likelihood = Hyper.nonNull(method, "likelihood", likelihood);
  }

  public Model model() {
    return model;
  }

  /** The per-task loss of the inner loop and of the query term (for wrapping this learner, e.g. MR-MAML). */
  public Likelihood likelihood() {
    return likelihood;
  }

  /** The model's seeded initialisation. */
  @Override
  public Params initialize(long seed, DataType dtype) {
    return model.init(seed, dtype);
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
