package org.bml.algorithms.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bml.core.model.Params;

/**
 * Shards on a fixed pool of worker threads. Each shard is computed exactly as
 * {@link InProcessExecutor} computes it (the tape, grad mode and memory scopes are per thread) and
 * the results come back in shard order, so the meta-gradient is bit-identical for any number of
 * workers. Keep one native (OpenMP) thread per worker, as the launcher does, or the workers'
 * native pools oversubscribe the cores.
 */
public final class ThreadedExecutor implements TaskExecutor {
  private final Problem problem;
  private final int workers;
  private final ExecutorService pool;

  public ThreadedExecutor(Problem problem, int workers) {
    if (problem == null) {
      throw new IllegalArgumentException("ThreadedExecutor: problem is required");
    }
    if (workers < 1) {
      throw new IllegalArgumentException("ThreadedExecutor: workers must be at least 1, got " + workers);
    }
    this.problem = problem;
    this.workers = workers;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "bml-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public List<ShardResult> map(Params theta, long seed, long iteration, List<Shard> shards) {
    List<Future<ShardResult>> futures = new ArrayList<>(shards.size());
    for (Shard s : shards) {
      futures.add(pool.submit(() -> ShardResult.compute(problem, theta, seed, iteration, s)));
    }
    List<ShardResult> out = new ArrayList<>(shards.size());
    try {
      for (Future<ShardResult> f : futures) {
        out.add(f.get());
      }
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new IllegalStateException("ThreadedExecutor: interrupted during iteration " + iteration, e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("ThreadedExecutor: a worker failed: " + c, c);
    }
    return out;
  }

  @Override
  public int workers() {
    return workers;
  }

  @Override
  public String describe() {
    return "threads:" + workers;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
