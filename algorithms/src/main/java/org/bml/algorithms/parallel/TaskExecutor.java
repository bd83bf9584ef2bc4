package org.bml.algorithms.parallel;

import java.util.List;
import org.bml.core.model.Params;

/**
 * Where the shards of a meta-step are computed: in the calling thread, on a pool of threads, or on
 * a cluster. {@link #map} returns results covering the shards in shard order (one per shard, or
 * ordered sums of consecutive shards), so the driver's reduction order is fixed.
 *
 * <p>Lifecycle: open once per training run, call {@link #map} once per meta-step, then
 * {@link #close}.
 */
public interface TaskExecutor extends AutoCloseable {
  List<ShardResult> map(Params theta, long seed, long iteration, List<Shard> shards);

  /** How many shards run at once. */
  int workers();

  /** What a checkpoint records of how the run was trained, e.g. {@code threads:2}. */
  String describe();

  @Override
  default void close() {}
}
