package org.bml.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.TaskContext;
import org.bml.algorithms.ForwardingMetaLearner;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.parallel.InProcessExecutor;
import org.bml.algorithms.parallel.Problem;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A real executor death: on {@code local-cluster[2,1,1024]} (a master, two workers and two executor
 * JVMs on this machine) the executor computing the second shard of iteration 1 halts its JVM.
 * Spark notices the lost executor, its worker starts a new one, the shard is recomputed there (the
 * new executor rebuilds its problem) and the run ends bit-identical to the in-process run.
 *
 * <p>local-cluster launches executors from a Spark installation's {@code jars/}; the test makes
 * one from this test's class path (the jars linked, the module class folders as extra class path).
 */
class ExecutorKillTest {
  private static final int META_BATCH = 4;

  /** MAML whose executor dies on its first attempt at partition 1 of iteration 1. */
  static final class DyingExecutor extends SineMamlRecipe {
    private static final long serialVersionUID = 1L;

    DyingExecutor() {
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
          if (ctx != null && ctx.partitionId() == 1 && ctx.attemptNumber() == 0
              && seed == MetaTrainer.sampleSeed(11, 1, 2)) {
            Runtime.getRuntime().halt(137); // the executor JVM dies mid-step, as under kill -9
          }
          return m.metaLoss(meta, support, query, seed);
        }
      }, p.tasks());
    }

    @Override
    public String key() {
      return "dying-executor";
    }
  }

  private static double[] trained(Problem p, MetaTrainerFactory f) {
    MetaOptimizer opt = new MetaOptimizer(p.learner().initialize(4, DataType.DOUBLE), new Sgd(0.01), 0);
    MetaTrainer trainer = f.make(p, opt);
    for (int it = 0; it < 3; it++) {
      trainer.step(it);
    }
    return opt.flatParams().dup().data().asDouble();
  }

  private interface MetaTrainerFactory {
    MetaTrainer make(Problem p, MetaOptimizer opt);
  }

  /** A Spark home for local-cluster's workers, made of this JVM's class path. */
  private static String sparkHome(Path home, List<String> classDirs) throws Exception {
    Path jars = Files.createDirectories(home.resolve("jars"));
    Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        classDirs.add(p.toAbsolutePath().toString());
      } else if (entry.endsWith(".jar") && Files.exists(p)) {
        Path link = jars.resolve(p.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, p.toAbsolutePath());
        }
      }
    }
    return home.toString();
  }

  @Test
  void anExecutorKilledMidStepIsReplacedAndTheRunIsUnchanged(@TempDir Path tmp) throws Exception {
    DyingExecutor recipe = new DyingExecutor();
    double[] reference = trained(new SineMamlRecipe(DataType.DOUBLE).build(),
        (p, opt) -> new MetaTrainer(p.learner(), p.tasks(), opt, META_BATCH, 2, 11, new InProcessExecutor(p)));

    List<String> classDirs = new ArrayList<>();
    String home = sparkHome(tmp.resolve("spark-home"), classDirs);
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home);
    System.setProperty("spark.executor.extraClassPath", String.join(File.pathSeparator, classDirs));
    System.setProperty("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0 "
        + "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
        + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
        + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED");
    System.setProperty("spark.executorEnv.OMP_NUM_THREADS", "1");
    double[] killed;
    try (SparkTaskExecutor spark = SparkTaskExecutor.open("local-cluster[2,1,1024]", recipe)) {
      AtomicInteger added = new AtomicInteger();
      AtomicInteger removed = new AtomicInteger();
      spark.context().sc().addSparkListener(new SparkListener() {
        @Override
        public void onExecutorAdded(SparkListenerExecutorAdded e) {
          added.incrementAndGet();
        }

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
          removed.incrementAndGet();
        }
      });
      killed = trained(recipe.build(),
          (p, opt) -> new MetaTrainer(p.learner(), p.tasks(), opt, META_BATCH, 2, 11, spark));
      assertEquals(1, removed.get(), "executors lost");
      assertTrue(added.get() >= 1, "a replacement executor registered: " + added.get());
    } finally {
      for (String k : new String[] {"spark.testing", "spark.test.home", "spark.executor.extraClassPath",
          "spark.executor.extraJavaOptions", "spark.executorEnv.OMP_NUM_THREADS"}) {
        System.clearProperty(k);
      }
    }
    assertArrayEquals(reference, killed);
  }
}
