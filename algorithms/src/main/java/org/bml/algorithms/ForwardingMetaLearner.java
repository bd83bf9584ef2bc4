package org.bml.algorithms;

import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A learner that forwards every call to another: the base of wrappers that change one behaviour
 * (a fault-injecting learner in tests, a monitored or decorated method) without restating the rest.
 */
public abstract class ForwardingMetaLearner implements MetaLearner {
  protected final MetaLearner delegate;

  protected ForwardingMetaLearner(MetaLearner delegate) {
    if (delegate == null) {
      throw new IllegalArgumentException("ForwardingMetaLearner: delegate is required");
    }
    this.delegate = delegate;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return delegate.initialize(seed, dtype);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return delegate.metaLoss(meta, support, query);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    return delegate.metaLoss(meta, support, query, seed);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return delegate.adapt(meta, support, steps);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return delegate.predict(adapted, x);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return delegate.perTaskLoss(adapted, data);
  }

  @Override
  public boolean decomposesOverTasks() {
    return delegate.decomposesOverTasks();
  }

  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    return delegate.hypotheses(meta, support, steps, k, seed);
  }
}
