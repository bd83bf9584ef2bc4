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
  // The learner's name in error messages.
  private final String method;

  protected InnerLoopLearner(String method, Model model, Likelihood likelihood, TruncatedGradientDescent inner) {
    super(method, model, likelihood);
    this.inner = Hyper.nonNull(method, "inner loop", inner);
    this.method = method;
  }

  public TruncatedGradientDescent inner() {
    return inner;
  }

  /**
   * The same learner with its inner loop checkpointed ({@link TruncatedGradientDescent#withRecompute}):
   * the same meta-gradient up to float rounding, memory of one segment's graph instead of all K
   * steps'.
   *
   * @param segments checkpointed segments (≥ 1, capped at K), or −1 for ⌈√K⌉
   * @throws IllegalArgumentException where this learner cannot take it, saying why ({@link #recomputeRefusal})
   */
  public InnerLoopLearner withRecompute(int segments) {
    String why = recomputeRefusal();
    if (why != null) {
      throw new IllegalArgumentException(method + " cannot checkpoint its inner loop: " + why);
    }
    InnerLoopLearner out = withInner(segments == -1 ? inner.withRecompute() : inner.withRecompute(segments));
    if (out == null) {
      throw new IllegalStateException(method + ": recomputeRefusal() is null but withInner gives no learner");
    }
    return out;
  }

  /**
   * Why {@link #withRecompute} does not apply to this learner, or null when it does: by default, it
   * applies where {@link #withInner} is overridden (a learner whose meta-gradient runs through {@link #inner}).
   */
  public String recomputeRefusal() {
    return withInner(inner) == null ? "its meta-gradient is not taken through its TruncatedGradientDescent inner loop"
        : null;
  }

  /**
   * The same learner with another inner loop (same steps and step size); null (the default) where its
   * meta-gradient does not run through the inner loop, so that a checkpointed one would change nothing.
   */
  protected InnerLoopLearner withInner(TruncatedGradientDescent replacement) {
    return null;
  }

  /** {@code steps} inner steps on the support set from θ. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return inner.adapt(meta, support, likelihood, steps);
  }
}
