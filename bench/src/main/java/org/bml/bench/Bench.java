package org.bml.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * after a warm-up, followed by indented lines with the case's settings, the spread of its windows
 * and its peak resident memory ({@link BenchResult#print}). Cases: second-order MAML on sinusoids
 * with 1 and 5 inner steps (the main job's settings), second-order MAML with Conv-4 on 5-way
 * 1-shot random images (meta-batch 32), the Omniglot loader and episode sampler
 * ({@code omniglot}), and the process's peak resident memory. {@link #EXTRA_CASES} run only when
 * named.
 *
 * <p>Peak memory per case: Linux's VmHWM is reset at the start of each case (writing 5 to
 * {@code /proc/self/clear_refs}), so a case's peak is its own, measured on top of what the
 * process already holds (printed as the RSS at its start). Where the reset is refused, the
 * printed peak is the process's so far and says so.
 */
public final class Bench {
  private Bench() {}

  /** The default cases, in the order they run. */
  public static final List<String> CASES = List.of(
      "sine-maml2-1step", "sine-maml2-5step", "conv4-maml2-5w1s-mb32", "omniglot");

  /**
   * Cases run only when named: a few-iteration smoke case (tests, a quick look at the output), and
   * second-order Conv-4 memory against inner steps, stored graph against recompute (minutes).
   */
  public static final List<String> EXTRA_CASES = List.of("smoke", "conv4-maml2-memory");

  /** Every case name: {@link #CASES} then {@link #EXTRA_CASES}. */
  public static final List<String> ALL_CASES = concat(CASES, EXTRA_CASES);

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /** Refuses unknown case names before anything runs. */
  public static void checkCases(List<String> cases) {
    for (String c : cases) {
      if (!ALL_CASES.contains(c)) {
        throw new IllegalArgumentException("unknown bench case '" + c + "' (have " + ALL_CASES + ")");
      }
    }
  }

  /** Facts about the host and the native set-up, printed first and written to JSON. */
  public static Map<String, Object> host() {
    Map<String, Object> h = new LinkedHashMap<>();
    org.bml.core.autodiff.ArrayBackend b = org.bml.core.autodiff.Backends.current();
    h.put("backend", b.name() + " (" + b.version() + ")");
    h.put("native threads", threads());
    h.put("OMP_NUM_THREADS", String.valueOf(System.getenv("OMP_NUM_THREADS")));
    h.put("cores", Runtime.getRuntime().availableProcessors());
    h.put("java", System.getProperty("java.version"));
    h.put("max heap bytes", Runtime.getRuntime().maxMemory());
    return h;
  }

  /** Runs the cases, printing each as it finishes; returns their figures. */
  public static List<BenchResult> run(List<String> cases, PrintStream out) {
    checkCases(cases);
    Map<String, Object> host = host();
    out.println("# OMP_NUM_THREADS=" + host.get("OMP_NUM_THREADS") + ", backend " + host.get("backend") + ", "
        + host.get("cores") + " cores, native threads " + host.get("native threads"));
    List<BenchResult> results = new ArrayList<>();
    long processPeak = peakRssBytes();
    for (String c : cases) {
      boolean reset = Memory.resetPeak();
      long start = Memory.rssBytes();
      List<Timed> figures = switch (c) {
        case "sine-maml2-1step" -> List.of(sineMaml(1, 100, 200, 7, 1));
        case "sine-maml2-5step" -> List.of(sineMaml(5, 100, 50, 7, 1));
        case "smoke" -> List.of(sineMaml(1, 3, 5, 3, 1));
        case "conv4-maml2-5w1s-mb32" -> List.of(conv4Maml());
        case "omniglot" -> omniglot(out);
        case "conv4-maml2-memory" -> conv4Memory(out);
        default -> throw new IllegalStateException(c);
      };
      long peak = peakRssBytes();
      processPeak = Math.max(processPeak, peak);
      for (Timed t : figures) {
        // A point measured in a JVM of its own brings its own memory figures.
        boolean own = t.peak >= 0;
        BenchResult r = new BenchResult(t.name == null ? c : t.name, t.value, t.unit, t.decimals, t.settings, t.windows,
            own ? t.rssStart : start, own ? t.peak : peak, own || reset);
        r.print(out);
        results.add(r);
      }
    }
    out.printf(Locale.ROOT, "bench peak-rss %.2f GB%n", processPeak / 1e9);
    lastProcessPeak = processPeak;
    lastHost = host;
    return results;
  }

  private static volatile long lastProcessPeak = -1;
  private static volatile Map<String, Object> lastHost = Map.of();

  /** The JSON document of the last {@link #run}'s results. */
  public static String json(List<BenchResult> results) {
    return BenchResult.toJson(lastHost, results, lastProcessPeak);
  }

  /** A case's figure before memory is attached. */
  record Timed(String name, double value, String unit, int decimals, Map<String, Object> settings, double[] windows,
      long rssStart, long peak) {
    /** Memory measured by the case around it ({@code rssStart}, {@code peak} −1). */
    Timed(String name, double value, String unit, int decimals, Map<String, Object> settings, double[] windows) {
      this(name, value, unit, decimals, settings, windows, -1, -1);
    }
  }

  private static String threads() {
    org.bml.core.autodiff.NativeThreads.Policy p = org.bml.core.autodiff.NativeThreads.ensureApplied();
    return p.threads() == 0 ? "ND4J defaults (" + p.source() + ")" : p.threads() + " (" + p.source() + ")";
  }

  private static String backend() {
    org.bml.core.autodiff.ArrayBackend b = org.bml.core.autodiff.Backends.current();
    return b.name();
  }

  private static Map<String, Object> settings(String model, int metaBatch, int tasksPerPass, int innerSteps,
      GradientOrder order, int warmup, int window, int windows) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("model", model);
    s.put("meta-batch", metaBatch);
    s.put("tasks per pass", tasksPerPass);
    s.put("inner steps", innerSteps);
    s.put("order", order.name().toLowerCase(Locale.ROOT));
    s.put("dtype", "float32");
    s.put("threads", org.bml.core.autodiff.NativeThreads.ensureApplied().threads());
    s.put("backend", backend());
    s.put("windows", windows + " x " + window + " iterations");
    s.put("warm-up", warmup + " iterations");
    return s;
  }

  private static Timed sineMaml(int steps, int warmup, int window, int windows, long seed) {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), steps, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 25, seed);
    double[] rates = rates(trainer::step, warmup, window, windows);
    return new Timed(null, median(rates), "it/s", 1,
        settings("MLP 1-40-40-1 ReLU, sinusoids 10-shot 10-query", 25, 25, steps, GradientOrder.SECOND, warmup, window,
            windows), rates);
  }

  private static Timed conv4Maml() {
    Conv4 model = new Conv4(5);
    Maml maml = new Maml(model, Likelihood.softmaxCrossEntropy(model), 1, 0.4, GradientOrder.SECOND);
    TaskDistribution tasks = new RandomImageTasks(5, 1, 15);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(1, DataType.FLOAT), new Adam(1e-3), 0);
    // One task per forward/backward pass bounds the tape's memory (a Conv-4 task's second-order
    // tape is ~0.8 GB); the update equals one 32-task pass, and these ops are too large for
    // batching to save per-call overhead.
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 32, 1, 1);
    double[] rates = rates(trainer::step, 1, 1, 3);
    return new Timed(null, median(rates), "it/s", 3,
        settings("Conv-4 (64 filters) 5-way 1-shot 15-query, random 28x28 images", 32, 1, 1, GradientOrder.SECOND, 1, 1,
            3), rates);
  }

  /** {@code conv4-maml2-memory}'s inner step counts ({@code -Dbml.bench.memory.steps=1,5,10,25}). */
  static final String MEMORY_STEPS = System.getProperty("bml.bench.memory.steps", "1,5,10,25");
  /** Its meta-batch ({@code -Dbml.bench.memory.meta-batch}); tasks run one per pass, so memory does not depend on it. */
  static final int MEMORY_META_BATCH = Integer.getInteger("bml.bench.memory.meta-batch", 2);
  /** Its timed windows of one iteration each ({@code -Dbml.bench.memory.windows}), after one warm-up iteration. */
  static final int MEMORY_WINDOWS = Integer.getInteger("bml.bench.memory.windows", 2);

  /**
   * Peak RSS and speed of second-order MAML on Conv-4 5-way 1-shot against inner steps, with the
   * whole inner graph stored and with ⌈√K⌉ recomputed segments; each point in a fresh JVM
   * ({@link MemoryPoint}) so its peak is its own.
   */
  private static List<Timed> conv4Memory(PrintStream out) {
    List<Timed> figures = new ArrayList<>();
    List<String[]> table = new ArrayList<>();
    for (String k : MEMORY_STEPS.split(",")) {
      int steps = Integer.parseInt(k.trim());
      String[] row = new String[5];
      row[0] = Integer.toString(steps);
      for (String mode : List.of("stored", "sqrt")) {
        String[] p = childPoint(steps, mode);
        long start = Long.parseLong(p[3]);
        long peak = Long.parseLong(p[4]);
        double[] rates = java.util.Arrays.stream(p[5].split(",")).mapToDouble(Double::parseDouble).toArray();
        Map<String, Object> s = settings("Conv-4 (64 filters) 5-way 1-shot 15-query, random 28x28 images",
            MEMORY_META_BATCH, 1, steps, GradientOrder.SECOND, 1, 1, MEMORY_WINDOWS);
        int segments = mode.equals("stored") ? 0 : (int) Math.ceil(Math.sqrt(steps));
        s.put("inner graph", mode.equals("stored") ? "stored" : "recomputed, " + segments + " segment(s) (sqrt K)");
        s.put("process", "fresh JVM for this point");
        figures.add(new Timed("conv4-maml2-memory-k" + steps + "-" + mode, median(rates), "it/s", 3, s, rates, start,
            peak));
        int col = mode.equals("stored") ? 1 : 3;
        row[col] = String.format(Locale.ROOT, "%.3f", peak / 1e9);
        row[col + 1] = String.format(Locale.ROOT, "%.3f", median(rates));
      }
      table.add(row);
    }
    out.println("# conv4-maml2-memory: peak RSS (GB, fresh JVM per point) and it/s (meta-batch " + MEMORY_META_BATCH
        + ", one task per pass, median of " + MEMORY_WINDOWS + ")");
    out.println("# inner-steps | stored peak GB | stored it/s | recompute sqrt(K) peak GB | recompute it/s");
    for (String[] r : table) {
      out.println("# " + String.join(" | ", r));
    }
    return figures;
  }

  private static String[] childPoint(int steps, String mode) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib:jdwp")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(MemoryPoint.class.getName());
    cmd.addAll(List.of(Integer.toString(steps), mode, Integer.toString(MEMORY_META_BATCH), "1",
        Integer.toString(MEMORY_WINDOWS)));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int code = p.waitFor();
      for (String line : output.split("\n")) {
        if (line.startsWith("point ")) {
          String[] f = line.trim().split(" ");
          if (code == 0 && f.length == 6) {
            return f;
          }
        }
      }
      throw new IllegalStateException("conv4-maml2-memory point K=" + steps + " " + mode + " failed (exit " + code
          + "):\n" + output);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("conv4-maml2-memory: cannot start a JVM: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("conv4-maml2-memory: interrupted", e);
    }
  }

  private static List<Timed> omniglot(PrintStream out) {
    // The datasets module owns these measurements (omniglot-load, omniglot-episode-*); its lines
    // come as 'bench <case> <value> <unit>' with their own windows inside.
    List<Timed> figures = new ArrayList<>();
    try {
      for (String line : org.bml.datasets.bench.DatasetBench.run()) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 4 && f[0].equals("bench")) {
          String v = f[2];
          int dot = v.indexOf('.');
          figures.add(new Timed(f[1], Double.parseDouble(v), f[3], dot < 0 ? 0 : v.length() - dot - 1,
              Map.of("source", "org.bml.datasets.bench.DatasetBench"), new double[0]));
        }
      }
    } catch (RuntimeException e) {
      out.println("# omniglot cases skipped: " + e.getMessage());
    }
    return figures;
  }

  /** The median of some values (the mean of the middle two for an even count). */
  static double median(double[] values) {
    return BenchResult.spread(values).median();
  }

  /** Iterations per second of each window of {@code window} iterations after warm-up, in run order. */
  static double[] rates(LongConsumer iteration, int warmup, int window, int windows) {
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
    return rates;
  }

  /** Iterations per second: median over windows of {@code window} iterations after warm-up. */
  static double medianRate(LongConsumer iteration, int warmup, int window, int windows) {
    return median(rates(iteration, warmup, window, windows));
  }

  /**
   * Peak resident set size (VmHWM) of this process, or −1 where /proc is unavailable; after a
   * {@link #run} it is the peak since the last case started.
   */
  public static long peakRssBytes() {
    return Memory.peakRssBytes();
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
