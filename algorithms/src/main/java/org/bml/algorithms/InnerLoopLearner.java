package org.bml.algorithms;

import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;

/**
 * What every learner built on an inner gradient loop shares beyond {@link ModelLearner}: the inference layer's
 * {@link TruncatedGradientDescent}, which adapts θ on the support set. A subclass says only what
 * its paper adds: its meta-objective ({@link #metaLoss}), and where adaptation differs (a subset
 * of parameters, a latent input). Immutable.
 */
public abstract class InnerLoopLearner extends ModelLearner {
  protected final TruncatedGradientDescent inner;

  protected InnerLoopLearner(String method, Model model, Likelihood likelihood, TruncatedGradientDescent inner) {
    super(method, model, likelihood);
    this.inner = Hyper.nonNull(method, "inner loop", inner);
  }

  public TruncatedGradientDescent inner() {
    return inner;
  }

  /** {@code steps} inner steps on the support set from θ. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return inner.adapt(meta, support, likelihood, steps);
  }
}
