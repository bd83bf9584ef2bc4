package org.bml.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskInfo;
import org.bml.datasets.TaskKind;
import org.bml.datasets.Task;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Benchmarks printed as {@code bench <case> <value> <unit>}: the median of several timed windows
 * after a warm-up. Cases: second-order MAML on sinusoids with 1 and 5 inner steps (the main
 * job's settings), second-order MAML with Conv-4 on 5-way 1-shot random images (meta-batch 32),
 * the Omniglot loader and episode sampler ({@code omniglot}), and the process's peak resident
 * memory.
 */
public final class Bench {
  private Bench() {}

  /** All case names, in the order they run. */
  public static final List<String> CASES = List.of(
      "sine-maml2-1step", "sine-maml2-5step", "conv4-maml2-5w1s-mb32", "omniglot");

  public static void run(List<String> cases, PrintStream out) {
    for (String c : cases) {
      if (!CASES.contains(c)) {
        throw new IllegalArgumentException("unknown bench case '" + c + "' (have " + CASES + ")");
      }
    }
    out.println("# OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", backend "
        + org.bml.core.autodiff.Backends.current() + " (" + org.bml.core.autodiff.Backends.current().version() + "), " + Runtime.getRuntime().availableProcessors() + " cores, native threads "
        + org.bml.core.autodiff.NativeThreads.applied().threads() + " (" + org.bml.core.autodiff.NativeThreads.applied().source() + ")");
    for (String c : cases) {
      switch (c) {
        case "sine-maml2-1step" -> out.printf("bench %s %.1f it/s%n", c, sineMaml(1));
        case "sine-maml2-5step" -> out.printf("bench %s %.1f it/s%n", c, sineMaml(5));
        case "conv4-maml2-5w1s-mb32" -> out.printf("bench %s %.3f it/s%n", c, conv4Maml());
        case "omniglot" -> omniglot(out);
        default -> throw new IllegalStateException(c);
      }
    }
    out.printf("bench peak-rss %.2f GB%n", peakRssBytes() / 1e9);
  }

  private static double sineMaml(int steps) {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), steps, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 25, 1);
    int window = steps == 1 ? 200 : 50;
    return medianRate(trainer::step, 100, window, 7);
  }

  private static double conv4Maml() {
    Conv4 model = new Conv4(5);
    Maml maml = new Maml(model, Likelihood.softmaxCrossEntropy(model), 1, 0.4, GradientOrder.SECOND);
    TaskDistribution tasks = new RandomImageTasks(5, 1, 15);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    // One task per forward/backward pass bounds the tape's memory (a Conv-4 task's second-order
    // tape is ~0.8 GB); the update equals one 32-task pass, and these ops are too large for
    // batching to save per-call overhead.
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 32, 1, 1);
    return medianRate(trainer::step, 1, 1, 3);
  }

  private static void omniglot(PrintStream out) {
    // The datasets module owns these measurements (omniglot-load, omniglot-episode-*).
    try {
      for (String line : org.bml.datasets.bench.DatasetBench.run()) {
        out.println(line);
      }
    } catch (RuntimeException e) {
      out.println("# omniglot cases skipped: " + e.getMessage());
    }
  }

  /** Iterations per second: median over windows of {@code window} iterations after warm-up. */
  static double medianRate(LongConsumer iteration, int warmup, int window, int windows) {
    long it = 0;
    for (int i = 0; i < warmup; i++) {
      iteration.accept(it++);
    }
    double[] rates = new double[windows];
    for (int w = 0; w < windows; w++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < window; i++) {
        iteration.accept(it++);
      }
      rates[w] = window / ((System.nanoTime() - t0) / 1e9);
    }
    Arrays.sort(rates);
    return rates[windows / 2];
  }

  /** Peak resident set size (VmHWM) of this process, or −1 where /proc is unavailable. */
  public static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** N-way K-shot Q-query classification tasks of random 28×28 images (for timing only). */
  static final class RandomImageTasks implements TaskDistribution {
    private final int ways;
    private final int shots;
    private final int queries;

    RandomImageTasks(int ways, int shots, int queries) {
      this.ways = ways;
      this.shots = shots;
      this.queries = queries;
    }

    @Override
    public Task task(long seed, long index) {
      TaskBatch b = batch(seed, index, 1);
      return b.task(0);
    }

    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
      Nd4j.getRandom().setSeed(seed * 31 + firstIndex);
      int ns = ways * shots;
      int nq = ways * queries;
      List<TaskInfo> info = new ArrayList<>();
      for (int t = 0; t < size; t++) {
        info.add(new RandomInfo(firstIndex + t));
      }
      return new TaskBatch(Nd4j.rand(DataType.FLOAT, size, ns, 1, 28, 28), oneHot(size, ns),
          Nd4j.rand(DataType.FLOAT, size, nq, 1, 28, 28), oneHot(size, nq), info);
    }

    private org.nd4j.linalg.api.ndarray.INDArray oneHot(int size, int n) {
      float[] v = new float[size * n * ways];
      for (int t = 0; t < size; t++) {
        for (int i = 0; i < n; i++) {
          v[(t * n + i) * ways + i % ways] = 1f;
        }
      }
      return Nd4j.create(v, new long[] {size, n, ways}, DataType.FLOAT);
    }

    @Override
    public TaskKind kind() {
      return TaskKind.CLASSIFICATION;
    }
  }

  private record RandomInfo(long index) implements TaskInfo {}
}
