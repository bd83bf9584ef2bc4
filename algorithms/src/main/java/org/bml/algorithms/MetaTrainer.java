package org.bml.algorithms;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.parallel.Shard;
import org.bml.algorithms.parallel.ShardResult;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskSeeds;
import org.bml.inference.Data;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The meta-training driver: meta-batch → method's meta-loss → gradient → outer optimizer, one
 * {@link MemoryScope} per iteration so native memory stays flat.
 *
 * <p>Lifecycle: construct with a method, a task distribution and an optimizer holding θ; call
 * {@link #step(long)} for iterations 0, 1, 2, ... (iteration i trains on tasks
 * {@code i·T .. i·T + T − 1} of the training seed, so a resumed run sees the same tasks).
 *
 * <p>A meta-batch can be processed in chunks of tasks (each chunk's graph is freed after its
 * backward pass and the gradients are accumulated), which bounds memory for large models such as
 * Conv-4 without changing the result for methods whose loss is a mean over tasks.
 *
 * <p>With a {@link TaskExecutor} the chunks become shards computed where the executor runs them
 * (worker threads, Spark executors) and are added in shard order; the executor builds its own
 * copy of the method and tasks, so the result equals the in-process chunked step bit for bit.
 */
public final class MetaTrainer {
  private final MetaLearner learner;
  private final TaskDistribution tasks;
  private final MetaOptimizer optimizer;
  private final int metaBatch;
  private final int chunk;
  private final long seed;
  private final TaskExecutor executor;

  public MetaTrainer(MetaLearner learner, TaskDistribution tasks, MetaOptimizer optimizer, int metaBatch, long seed) {
    this(learner, tasks, optimizer, metaBatch, metaBatch, seed);
  }

  /**
   * Trains on the tasks of {@code seeds.training()}; evaluate with the same {@code seeds} (e.g.
   * {@link Evaluation#queryLoss(MetaLearner, Params, TaskDistribution, TaskSeeds, int, int, int)}) to
   * score other tasks than these.
   */
  public MetaTrainer(MetaLearner learner, TaskDistribution tasks, MetaOptimizer optimizer, int metaBatch,
      TaskSeeds seeds) {
    this(learner, tasks, optimizer, metaBatch, metaBatch, trainingSeed(seeds));
  }

  private static long trainingSeed(TaskSeeds seeds) {
    if (seeds == null) {
      throw new IllegalArgumentException("MetaTrainer: task seeds must be given");
    }
    return seeds.training();
  }

  /** @param chunk tasks per forward/backward pass (1..metaBatch) */
  public MetaTrainer(MetaLearner learner, TaskDistribution tasks, MetaOptimizer optimizer, int metaBatch, int chunk,
      long seed) {
    this(learner, tasks, optimizer, metaBatch, chunk, seed, null);
  }

  /**
   * @param chunk tasks per shard (1..metaBatch)
   * @param executor where the shards run, or null for this thread
   */
  public MetaTrainer(MetaLearner learner, TaskDistribution tasks, MetaOptimizer optimizer, int metaBatch, int chunk,
      long seed, TaskExecutor executor) {
    if (metaBatch <= 0) {
      throw new IllegalArgumentException("MetaTrainer: meta-batch size must be positive, got " + metaBatch);
    }
    if (chunk <= 0 || chunk > metaBatch) {
      throw new IllegalArgumentException("MetaTrainer: chunk must be in 1.." + metaBatch + ", got " + chunk);
    }
    if (executor != null && !learner.decomposesOverTasks()) {
      throw new IllegalArgumentException("MetaTrainer: " + learner.getClass().getSimpleName()
          + "'s meta-loss does not decompose over tasks, so it cannot be split over workers");
    }
    if (chunk < metaBatch && !learner.decomposesOverTasks()) {
      throw new IllegalArgumentException("MetaTrainer: " + learner.getClass().getSimpleName()
          + "'s meta-loss does not decompose over tasks, so it cannot be processed in chunks of " + chunk);
    }
    this.learner = learner;
    this.tasks = tasks;
    this.optimizer = optimizer;
    this.metaBatch = metaBatch;
    this.chunk = chunk;
    this.seed = seed;
    this.executor = executor;
  }

  public MetaOptimizer optimizer() {
    return optimizer;
  }

  /**
   * One meta-iteration on the tasks of the given iteration index.
   *
   * @return the meta-batch's loss before the update
   * @throws ArithmeticException if the loss or gradient is NaN or infinite (θ unchanged)
   */
  public double step(long iteration) {
    if (executor != null) {
      return stepOn(executor, iteration);
    }
    try (MemoryScope scope = MemoryScope.open("bml-meta-step")) {
      TaskBatch batch = tasks.batch(seed, iteration * metaBatch, metaBatch);
      Data support = Episodes.support(batch);
      Data query = Episodes.query(batch);
      if (chunk == metaBatch) {
        Tensor loss = learner.metaLoss(optimizer.params(), support, query, sampleSeed(iteration, 0));
        double value = checkFinite(loss.item(), iteration);
        optimizer.step(Autodiff.grad(List.of(loss), null, optimizer.params().tensors(), false, true));
        return value;
      }
      List<INDArray> sum = new ArrayList<>();
      double value = 0;
      for (int from = 0; from < metaBatch; from += chunk) {
        int to = Math.min(metaBatch, from + chunk);
        double weight = (to - from) / (double) metaBatch;
        try (MemoryScope inner = MemoryScope.open("bml-meta-chunk")) {
          Tensor loss = learner.metaLoss(optimizer.params(), slice(support, from, to), slice(query, from, to),
              sampleSeed(iteration, from));
          value += weight * checkFinite(loss.item(), iteration);
          List<Tensor> g = Autodiff.grad(List.of(loss), null, optimizer.params().tensors(), false, true);
          for (int i = 0; i < g.size(); i++) {
            INDArray gi = g.get(i).value().mul(weight);
            if (sum.size() <= i) {
              sum.add(gi.leverageTo("bml-meta-step")); // into the step's scope, outliving the chunk
            } else {
              sum.get(i).addi(gi);
            }
          }
        }
      }
      List<Tensor> grads = new ArrayList<>(sum.size());
      for (INDArray g : sum) {
        grads.add(Tensor.constant(g));
      }
      optimizer.step(grads);
      return value;
    }
  }

  private double stepOn(TaskExecutor exec, long iteration) {
    List<ShardResult> parts = exec.map(optimizer.params(), seed, iteration, Shard.bySize(metaBatch, chunk));
    ShardResult total = ShardResult.sumInOrder(parts, optimizer.params().tensors().get(0).value().dataType());
    if (total.from() != 0 || total.to() != metaBatch) {
      throw new IllegalStateException("MetaTrainer: " + exec.describe() + " returned tasks " + total.from() + ".."
          + total.to() + " of a meta-batch of " + metaBatch);
    }
    double value = checkFinite(total.loss(), iteration);
    try (MemoryScope scope = MemoryScope.open("bml-meta-step")) {
      optimizer.step(total.gradients(optimizer.params()));
    }
    return value;
  }

  /** The executor shards run on, or null when they run in this thread. */
  public TaskExecutor executor() {
    return executor;
  }

  private long sampleSeed(long iteration, int chunkStart) {
    return sampleSeed(seed, iteration, chunkStart);
  }

  /** Seed of a method's sampling at an iteration (and chunk start), a pure function of the run's seed. */
  public static long sampleSeed(long seed, long iteration, int chunkStart) {
    return Seeds.streamSeed(seed ^ 0x5DEECE66DL, iteration * 1_000_003L + chunkStart);
  }

  private static double checkFinite(double value, long iteration) {
    if (!Double.isFinite(value)) {
      throw new ArithmeticException("meta-loss is " + value + " at iteration " + iteration);
    }
    return value;
  }

  private static Data slice(Data d, int from, int to) {
    return new Data(Tensor.constant(d.x().value().get(NDArrayIndex.interval(from, to))),
        Tensor.constant(d.y().value().get(NDArrayIndex.interval(from, to))));
  }
}
