package org.bml.algorithms;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every learner built on an inner gradient loop shares: a model (initialised from the seed,
 * predicting with {@code forward}), a per-task loss, and the inference layer's
 * {@link TruncatedGradientDescent}, which adapts θ on the support set. A subclass says only what
 * its paper adds: its meta-objective ({@link #metaLoss}), and where adaptation differs (a subset
 * of parameters, a latent input). Immutable.
 */
public abstract class InnerLoopLearner implements MetaLearner {
  protected final Model model;
  protected final Likelihood likelihood;
  protected final TruncatedGradientDescent inner;

  protected InnerLoopLearner(String method, Model model, Likelihood likelihood, TruncatedGradientDescent inner) {
    this.model = Hyper.nonNull(method, "model", model);
    this.likelihood = Hyper.nonNull(method, "likelihood", likelihood);
    this.inner = Hyper.nonNull(method, "inner loop", inner);
  }

  public Model model() {
    return model;
  }

  public TruncatedGradientDescent inner() {
    return inner;
  }

  /** The model's seeded initialisation. */
  @Override
  public Params initialize(long seed, DataType dtype) {
    return model.init(seed, dtype);
  }

  /** {@code steps} inner steps on the support set from θ. */
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
