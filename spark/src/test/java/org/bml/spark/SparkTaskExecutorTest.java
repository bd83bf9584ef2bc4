package org.bml.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.TaskContext;
import org.bml.algorithms.ForwardingMetaLearner;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.parallel.InProcessExecutor;
import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.ProblemRecipe;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Spark in local mode ({@code local[N,F]}: N cores, F attempts per task): the meta-step equals the
 * in-process one, is bit-identical run to run, survives a failed task and reports divergence as
 * one machine does. One Spark context at a time per JVM, so each test opens and stops its own.
 */
class SparkTaskExecutorTest {
  private static final int META_BATCH = 8;

  private static double[] trained(ProblemRecipe recipe, DataType dtype, int shardSize, TaskExecutor executor) {
    Problem p = recipe.build();
    MetaOptimizer opt = new MetaOptimizer(p.learner().initialize(4, dtype), new Sgd(0.01), 0);
    MetaTrainer trainer = new MetaTrainer(p.learner(), p.tasks(), opt, META_BATCH, shardSize, 11, executor);
    for (int it = 0; it < 3; it++) {
      trainer.step(it);
    }
    return opt.flatParams().dup().data().asDouble();
  }

  private static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += a[i] * a[i];
    }
    return Math.sqrt(num / den);
  }

  @Test
  void sparkStepsEqualInProcessStepsAndRepeatBitForBit() {
    SineMamlRecipe recipe = new SineMamlRecipe(DataType.DOUBLE);
    double[] reference = trained(recipe, DataType.DOUBLE, 2, new InProcessExecutor(recipe.build()));
    double[] first;
    double[] second;
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local[2]", recipe)) {
      assertEquals(2, spark.workers());
      assertEquals("spark:local[2]", spark.describe());
      first = trained(recipe, DataType.DOUBLE, 2, spark);
      second = trained(recipe, DataType.DOUBLE, 2, spark);
    }
    assertArrayEquals(first, second, "same parallelism and seed: the same bits");
    // 4 shards summed as (s0 + s1) + (s2 + s3) on two partitions instead of ((s0 + s1) + s2) + s3.
    assertTrue(relativeDifference(reference, first) < 1e-13, "relative difference " + relativeDifference(reference, first));
  }

  @Test
  void oneShardPerPartitionGivesTheInProcessBits() {
    SineMamlRecipe recipe = new SineMamlRecipe(DataType.FLOAT);
    double[] reference = trained(recipe, DataType.FLOAT, 4, new InProcessExecutor(recipe.build()));
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local[2]", recipe)) {
      assertArrayEquals(reference, trained(recipe, DataType.FLOAT, 4, spark));
    }
  }

  /** MAML whose second partition's first attempt dies, as a lost executor's task does. */
  static final class FailingFirstAttempt extends SineMamlRecipe {
    private static final long serialVersionUID = 1L;

    FailingFirstAttempt() {
      super(DataType.DOUBLE);
    }

    @Override
    public Problem build() {
      Problem p = super.build();
      MetaLearner m = p.learner();
      return new Problem(new ForwardingMetaLearner(m) {
        @Override
        public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
          TaskContext ctx = TaskContext.get();
          if (ctx != null && ctx.partitionId() == 1 && ctx.attemptNumber() == 0) {
            throw new IllegalStateException("injected: executor lost");
          }
          return m.metaLoss(meta, support, query, seed);
        }
      }, p.tasks());
    }

    @Override
    public String key() {
      return "failing-first-attempt";
    }
  }

  @Test
  void aFailedTaskIsRetriedAndTheStepIsUnchanged() {
    SineMamlRecipe plain = new SineMamlRecipe(DataType.DOUBLE);
    double[] clean;
    double[] retried;
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local[2,3]", plain)) {
      clean = trained(plain, DataType.DOUBLE, 2, spark);
    }
    FailingFirstAttempt failing = new FailingFirstAttempt();
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local[2,3]", failing)) {
      retried = trained(failing, DataType.DOUBLE, 2, spark);
    }
    assertArrayEquals(clean, retried);
  }

  @Test
  void withoutRetriesTheFailureStopsTheStepWithItsCause() {
    FailingFirstAttempt failing = new FailingFirstAttempt();
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local[2]", failing)) {
      Exception e = assertThrows(Exception.class, () -> trained(failing, DataType.DOUBLE, 2, spark));
      assertTrue(e.getMessage().contains("injected: executor lost"), e.getMessage());
    }
  }

  @Test
  void aBadMasterIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkTaskExecutor.open("nonsense://x", new SineMamlRecipe(DataType.FLOAT)));
    assertTrue(e.getMessage().contains("nonsense://x"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SparkTaskExecutor.open(" ", new SineMamlRecipe(DataType.FLOAT)));
  }
}
