package org.bml.algorithms.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.algorithms.ForwardingMetaLearner;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/** The task-parallel meta-step: any worker count gives the in-process step, bit for bit. */
class TaskParallelTest {
  private static final Mlp MODEL = new Mlp(Activation.TANH, 1, 8, 1);
  private static final Maml MAML = new Maml(MODEL, Likelihood.meanSquaredError(MODEL), 2, 0.05, GradientOrder.SECOND);
  private static final int META_BATCH = 8;

  private static double[] trained(DataType dtype, int chunk, TaskExecutor executor, int iterations) {
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, dtype);
    MetaOptimizer opt = new MetaOptimizer(MAML.initialize(4, dtype), new Sgd(0.01), 0);
    MetaTrainer trainer = new MetaTrainer(MAML, tasks, opt, META_BATCH, chunk, 11, executor);
    for (int it = 0; it < iterations; it++) {
      trainer.step(it);
    }
    return opt.flatParams().dup().data().asDouble();
  }

  private static Problem problem(DataType dtype) {
    return new Problem(MAML, new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, dtype));
  }

  @Test
  void inProcessShardsEqualTheChunkedStepBitForBit() {
    for (DataType dtype : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      for (int chunk : new int[] {8, 3, 1}) {
        assertArrayEquals(trained(dtype, chunk, null, 3), trained(dtype, chunk, new InProcessExecutor(problem(dtype)), 3),
            dtype + " chunk " + chunk);
      }
    }
  }

  @Test
  void anyNumberOfWorkerThreadsGivesTheSameBits() {
    double[] one = trained(DataType.FLOAT, 2, new InProcessExecutor(problem(DataType.FLOAT)), 3);
    for (int workers : new int[] {1, 2, 4}) {
      try (ThreadedExecutor ex = new ThreadedExecutor(problem(DataType.FLOAT), workers)) {
        assertArrayEquals(one, trained(DataType.FLOAT, 2, ex, 3), workers + " workers");
      }
    }
  }

  @Test
  void shardLayoutsAgreeToRoundingInFloat64() {
    double[] whole = trained(DataType.DOUBLE, 8, null, 3);
    for (int parts : new int[] {2, 4, 8}) {
      int size = Shard.split(META_BATCH, parts).get(0).to();
      try (ThreadedExecutor ex = new ThreadedExecutor(problem(DataType.DOUBLE), parts)) {
        double[] split = trained(DataType.DOUBLE, size, ex, 3);
        double num = 0;
        double den = 0;
        for (int i = 0; i < whole.length; i++) {
          num += (whole[i] - split[i]) * (whole[i] - split[i]);
          den += whole[i] * whole[i];
        }
        assertTrue(Math.sqrt(num / den) < 1e-13, parts + " shards: relative difference " + Math.sqrt(num / den));
      }
    }
  }

  @Test
  void shardsAreNearEqualAndCoverTheMetaBatch() {
    assertEquals(List.of(new Shard(0, 3, 8), new Shard(3, 6, 8), new Shard(6, 8, 8)), Shard.split(8, 3));
    assertEquals(List.of(new Shard(0, 1, 2), new Shard(1, 2, 2)), Shard.split(2, 5));
    assertThrows(IllegalArgumentException.class, () -> new Shard(2, 2, 8));
    assertThrows(IllegalArgumentException.class, () -> Shard.bySize(8, 9));
    assertThrows(IllegalArgumentException.class, () -> new ThreadedExecutor(problem(DataType.FLOAT), 0));
  }

  /** A learner whose loss is NaN on the tasks of one shard, as a diverging worker would return. */
  private static class NanOnSecondShard extends ForwardingMetaLearner {
    NanOnSecondShard() {
      super(MAML);
    }

    @Override
    public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
      Tensor loss = MAML.metaLoss(meta, support, query, seed);
      return seed == MetaTrainer.sampleSeed(11, 0, 4) ? loss.mul(Double.NaN) : loss;
    }
  }

  @Test
  void aWorkerWithANonFiniteLossStopsTheStepWithThemessageOfOneMachine() {
    MetaLearner nan = new NanOnSecondShard();
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(nan.initialize(4, DataType.FLOAT), new Sgd(0.01), 0);
    double[] before = opt.flatParams().dup().data().asDouble();
    try (ThreadedExecutor ex = new ThreadedExecutor(new Problem(nan, tasks), 2)) {
      MetaTrainer trainer = new MetaTrainer(nan, tasks, opt, META_BATCH, 4, 11, ex);
      ArithmeticException e = assertThrows(ArithmeticException.class, () -> trainer.step(0));
      assertEquals("meta-loss is NaN at iteration 0", e.getMessage());
    }
    assertArrayEquals(before, opt.flatParams().dup().data().asDouble(), "θ unchanged");
  }

  @Test
  void aLossThatDoesNotDecomposeCannotBeSplitOverWorkers() {
    MetaLearner whole = new NanOnSecondShard() {
      @Override
      public boolean decomposesOverTasks() {
        return false;
      }
    };
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(whole.initialize(4, DataType.FLOAT), new Sgd(0.01), 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MetaTrainer(whole, tasks, opt, META_BATCH, META_BATCH, 11, new InProcessExecutor(new Problem(whole, tasks))));
    assertTrue(e.getMessage().contains("cannot be split over workers"), e.getMessage());
  }
}
