package org.bml.algorithms.parallel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Tasks {@code from .. to − 1} of a meta-batch of {@code metaBatch} tasks. */
public record Shard(int from, int to, int metaBatch) implements Serializable {
  public Shard {
    if (metaBatch <= 0 || from < 0 || to <= from || to > metaBatch) {
      throw new IllegalArgumentException("Shard: need 0 <= from < to <= metaBatch, got " + from + ".." + to
          + " of " + metaBatch);
    }
  }

  /** The shard's share of the meta-batch mean. */
  public double weight() {
    return (to - from) / (double) metaBatch;
  }

  /** Consecutive shards of {@code size} tasks (the last may be smaller), as MetaTrainer's chunks. */
  public static List<Shard> bySize(int metaBatch, int size) {
    if (size <= 0 || size > metaBatch) {
      throw new IllegalArgumentException("Shard.bySize: size must be in 1.." + metaBatch + ", got " + size);
    }
    List<Shard> out = new ArrayList<>();
    for (int from = 0; from < metaBatch; from += size) {
      out.add(new Shard(from, Math.min(metaBatch, from + size), metaBatch));
    }
    return out;
  }

  /** The meta-batch cut into {@code parts} shards of near-equal size (at most metaBatch of them). */
  public static List<Shard> split(int metaBatch, int parts) {
    if (parts <= 0) {
      throw new IllegalArgumentException("Shard.split: parts must be positive, got " + parts);
    }
    return bySize(metaBatch, (metaBatch + Math.min(parts, metaBatch) - 1) / Math.min(parts, metaBatch));
  }
}
