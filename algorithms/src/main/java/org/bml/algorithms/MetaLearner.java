package org.bml.algorithms;

import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A meta-learning method.
 *
 * <p>Lifecycle: {@link #initialize} gives the meta-parameters (θ and any other learned quantity);
 * during meta-training the driver calls {@link #metaLoss} on a meta-batch with those parameters as
 * variables and differentiates it; at test time {@link #adapt} turns θ and a support set into
 * per-task parameters and {@link #predict} evaluates them. Implementations hold no mutable state.
 */
public interface MetaLearner {
  /** Seeded initial meta-parameters. */
  Params initialize(long seed, DataType dtype);

  /** Scalar meta-training loss on a meta-batch, differentiable with respect to {@code meta}. */
  Tensor metaLoss(Params meta, Data support, Data query);

  /**
   * The meta-training loss of a stochastic method (one that samples θ, weights, activations or
   * particles): all randomness must come from {@code seed}, which the driver derives from the run's
   * seed and the iteration, so a resumed run replays the same samples. Deterministic methods ignore
   * the seed (this default).
   */
  default Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    return metaLoss(meta, support, query);
  }

  /** Per-task adapted parameters after {@code steps} adaptation steps on the support set. */
  Params adapt(Params meta, Data support, int steps);

  /** Model outputs {@code [T, n, outputs]} for per-task adapted parameters. */
  Tensor predict(Params adapted, Tensor x);

  /** The per-task loss the method trains on (query MSE or cross-entropy). */
  Tensor perTaskLoss(Params adapted, Data data);

  /**
   * Whether {@link #metaLoss} is the mean of independent per-task terms, so that a meta-batch may
   * be processed in chunks of tasks with gradients accumulated (same result, less memory).
   * Methods with terms shared across tasks (e.g. a KL on θ) must return false.
   */
  default boolean decomposesOverTasks() {
    return true;
  }

  /**
   * Task hypotheses: up to {@code k} sampled per-task parameter sets after {@code steps} adaptation
   * steps on the support set, each usable with {@link #predict}. Bayesian methods return {@code k}
   * samples from their task posterior (reproducible for a seed); point-estimate methods return the
   * single adapted point (a delta posterior has one hypothesis), which is this default.
   * Predictive distributions are mixtures over these hypotheses.
   */
  default List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount(getClass().getSimpleName() + ".hypotheses", "k", k);
    return List.of(adapt(meta, support, steps));
  }
}
