package org.bml.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.ProblemRecipe;
import org.bml.algorithms.parallel.Shard;
import org.bml.algorithms.parallel.ShardResult;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Shards of a meta-step on Spark executors.
 *
 * <p>Each step broadcasts θ, parallelizes the shard list into {@code min(shards, parallelism)}
 * contiguous partitions, lets each partition compute its shards in order with the problem its
 * executor built once from the recipe, and collects one ordered partial sum per partition. The
 * partial sums come back in partition order ({@code collect} keeps it), which fixes the reduction
 * order: a run is bit-identical for a fixed parallelism and seed. {@code treeAggregate} would
 * merge partitions in completion order, so it could not give that.
 *
 * <p>Faults: a failed shard (an executor lost mid-step) is recomputed by Spark's task retry from
 * the same broadcast θ and the same (seed, iteration, task index), so the step's result is
 * unchanged. A non-finite loss is not an exception on the executor (that would be retried) but a
 * result the driver reports as divergence.
 */
public final class SparkTaskExecutor implements TaskExecutor {
  private final JavaSparkContext sc;
  private final ProblemRecipe recipe;
  private final String master;

  /**
   * Connects to {@code master}; under spark-submit its {@code spark.master} (a system property) wins.
   * The executor owns the context and stops it on {@link #close}.
   */
  public static SparkTaskExecutor open(String master, ProblemRecipe recipe) {
    if (master == null || master.isBlank()) {
      throw new IllegalArgumentException("--spark needs a master URL, e.g. local[2] or spark://host:7077");
    }
    if (recipe == null) {
      throw new IllegalArgumentException("SparkTaskExecutor: recipe is required");
    }
    SparkConf conf = new SparkConf().setAppName("bml").setIfMissing("spark.master", master)
        .setIfMissing("spark.ui.enabled", "false").setIfMissing("spark.ui.showConsoleProgress", "false");
    SparkContext context;
    try {
      context = SparkContext.getOrCreate(conf);
    } catch (Exception e) { // SparkException is checked in Java's eyes but undeclared
      throw new IllegalArgumentException("cannot start Spark with master '" + master + "': " + e.getMessage(), e);
    }
    return new SparkTaskExecutor(JavaSparkContext.fromSparkContext(context), recipe, context.master());
  }

  private SparkTaskExecutor(JavaSparkContext sc, ProblemRecipe recipe, String master) {
    this.sc = sc;
    this.recipe = recipe;
    this.master = master;
  }

  @Override
  public List<ShardResult> map(Params theta, long seed, long iteration, List<Shard> shards) {
    ThetaSnapshot snapshot = ThetaSnapshot.of(theta);
    Broadcast<ThetaSnapshot> b = sc.broadcast(snapshot);
    try {
      int partitions = Math.min(shards.size(), workers());
      return sc.parallelize(new ArrayList<>(shards), partitions)
          .mapPartitions(new ComputeShards(recipe, b, seed, iteration)).collect();
    } finally {
      b.destroy();
    }
  }

  /** One partition's shards, computed in order and summed in order. */
  private static final class ComputeShards implements FlatMapFunction<Iterator<Shard>, ShardResult> {
    private static final long serialVersionUID = 1L;
    private final ProblemRecipe recipe;
    private final Broadcast<ThetaSnapshot> theta;
    private final long seed;
    private final long iteration;

    ComputeShards(ProblemRecipe recipe, Broadcast<ThetaSnapshot> theta, long seed, long iteration) {
      this.recipe = recipe;
      this.theta = theta;
      this.seed = seed;
      this.iteration = iteration;
    }

    @Override
    public Iterator<ShardResult> call(Iterator<Shard> shards) {
      if (!shards.hasNext()) {
        return Collections.emptyIterator();
      }
      Problem problem = ExecutorProblems.get(recipe);
      ThetaSnapshot snap = theta.value();
      Params th = snap.toParams();
      DataType dtype = snap.dataType();
      ShardResult sum = null;
      while (shards.hasNext()) {
        ShardResult r = ShardResult.compute(problem, th, seed, iteration, shards.next());
        sum = sum == null ? r : sum.plus(r, dtype);
      }
      return List.of(sum).iterator();
    }
  }

  /** Cores Spark runs tasks on at once (its default parallelism). */
  @Override
  public int workers() {
    return Math.max(1, sc.defaultParallelism());
  }

  @Override
  public String describe() {
    return "spark:" + master;
  }

  JavaSparkContext context() {
    return sc;
  }

  @Override
  public void close() {
    sc.stop();
  }
}
