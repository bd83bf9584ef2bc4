package org.bml.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.bml.algorithms.Checkpoint;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.parallel.TaskExecutor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.optim.MetaOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml train}: meta-trains a method on a data set (outer updater per
 * {@code --outer-optimizer}, {@link OuterOptimizers}), writing progress to stderr,
 * metrics to {@code DIR/metrics.jsonl} and atomic checkpoints to {@code DIR/checkpoint.bml}.
 *
 * <p>Everything is validated (names, values, data, checkpoint) before the output directory is
 * created. A NaN or infinite loss, gradient or update stops the run with exit status
 * {@link Main#EXIT_DIVERGED}, naming the iteration; the checkpoint then holds the last good state:
 * checkpoints are only ever written for states whose next loss and gradient were finite (a
 * scheduled checkpoint is written one step late, from a copy taken before that step), or the final
 * state of a finished run.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Meta-train a method on a data set.",
        "Progress goes to stderr; DIR/metrics.jsonl gets one JSON line per --log-every iterations (iteration, loss, "
            + "loss_avg, lr, elapsed_s) and per validation; DIR/checkpoint.bml is written atomically every "
            + "--checkpoint-every iterations and at the end, with the full configuration, so eval, predict and "
            + "--resume rebuild the same method. Defaults marked * depend on the data set: regression "
            + "shots 10, queries 10, inner-lr 0.01, meta-batch 25, iterations 4000; Omniglot ways 5, shots 1, "
            + "queries 15 (per class), inner-lr 0.4, meta-batch 32, iterations 1000, chunk 1.",
        "Exit status: 0 done, 2 bad input, 3 loss/gradient not finite (the last good checkpoint is kept)."},
    footer = {"", "Examples:",
        "  ./bml train --method maml --dataset sinusoid --iterations 10000 \\",
        "      --out runs/maml-sine",
        "  ./bml train --resume --out runs/maml-sine --iterations 20000",
        "  ./bml train --method protonet --dataset omniglot --ways 20 --shots 1 \\",
        "      --queries 5 --out runs/proto20",
        "  ./bml train --method platipus --dataset sine-and-line --out runs/platipus",
        "  ./bml train --method maml --regularizer mr-w --dataset nonmutex-sinusoid \\",
        "      --meta-batch 1 --iterations 15000 --out runs/mr-w",
        "      (the MR-MAML notebook's setting: sign descent, sigma fixed at 1e-5)", ""})
final class TrainCommand implements Callable<Integer> {
  /**
   * Test-only: called after each successful optimizer step (iteration, optimizer), e.g. to corrupt
   * θ and exercise the non-finite-update path; null in normal use.
   */
  static volatile java.util.function.BiConsumer<Integer, MetaOptimizer> afterStepForTests;

  /** Test-only: the stop flag the loop polls instead of the shutdown hook's; null in normal use. */
  static volatile GracefulStop stopForTests;

  @Spec
  CommandSpec spec;

  @picocli.CommandLine.Mixin
  InputLimits.Memory memory = new InputLimits.Memory();

  @Option(names = "--method", paramLabel = "NAME", completionCandidates = Methods.Names.class,
      description = "method: ${COMPLETION-CANDIDATES} (default maml)")
  String method;

  @Option(names = "--regularizer", paramLabel = "NAME",
      description = "meta-regularizer: none, mr-w or mr-a (MR-MAML weights/activations, with --method maml, fomaml; "
          + "mr-w also anil) (default none)")
  String regularizer;

  @Option(names = "--dataset", paramLabel = "NAME", completionCandidates = Datasets.Names.class,
      description = "data set: ${COMPLETION-CANDIDATES} (default sinusoid)")
  String dataset;

  @Option(names = "--omniglot-split", paramLabel = "NAME",
      description = "Omniglot class split: maml (1200/423 characters x 4 rotations) or vinyals (default maml)")
  String omniglotSplit;

  @Option(names = "--batch-norm", paramLabel = "MODE",
      description = "Conv-4 batch-norm statistics: transductive (over the examples of each call, e.g. all of a task's "
          + "query points together; MAML's convention) or per-example (over one example's positions: a query point's prediction does not "
          + "depend on the other query points) (default transductive; image data sets only)")
  String batchNorm;

  @Option(names = "--recompute", paramLabel = "SEGMENTS",
      description = "checkpoint the inner loop (gradient checkpointing): off, sqrt (ceil(sqrt K) segments) or a "
          + "segment count; the same meta-gradient with memory of one segment's graph instead of all K steps', for one "
          + "extra forward run of the steps (default off; methods whose meta-gradient runs through the inner gradient "
          + "loop: maml, fomaml, anil, platipus, and mr-w/mr-a over them; refused for the others, naming why)")
  String recompute;

  @Option(names = "--ways", paramLabel = "N", description = "classes per episode (classification; default* 5)")
  Integer ways;

  @Option(names = "--shots", paramLabel = "K", description = "support examples per class, or per task for regression (default*)")
  Integer shots;

  @Option(names = "--queries", paramLabel = "Q", description = "query examples per class, or per task for regression (default*)")
  Integer queries;

  @Option(names = "--inner-steps", paramLabel = "K", description = "adaptation steps in training (default 1)")
  Integer innerSteps;

  @Option(names = "--inner-lr", paramLabel = "ALPHA", description = "adaptation step size (default*)")
  Double innerLr;

  @Option(names = "--outer-lr", paramLabel = "BETA", description = "outer learning rate (default 0.001)")
  Double outerLr;

  @Option(names = "--outer-optimizer", paramLabel = "SPEC",
      description = "outer updater: adam, sign (lr*g/(|g|+1e-7): Adam with beta1=beta2=0, i.e. a fresh Adam every "
          + "step, as the MR-MAML authors' sinusoid notebook), per parameter group PREFIX=KIND,...[,KIND] (first "
          + "matching name prefix wins, e.g. encoder=sign,decoder=adam), or auto: sign for mr-w and "
          + "encoder=sign,decoder=adam for mr-a on regression with maml/fomaml (the notebook's), else adam "
          + "(default auto; kept on --resume)")
  String outerOptimizer;

  @Option(names = "--meta-batch", paramLabel = "T", description = "tasks per meta-iteration (default*)")
  Integer metaBatch;

  @Option(names = "--chunk", paramLabel = "C",
      description = "tasks per forward/backward pass, gradients accumulated (default: the meta-batch; 1 for images)")
  Integer chunk;

  @Option(names = "--workers", paramLabel = "N",
      description = "worker threads, each computing a share of the meta-batch (default 1: this thread); "
          + "bit-identical for a fixed N, equal to float rounding across N; not kept on --resume")
  Integer workers;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "compute the meta-batch's shards on Apache Spark, e.g. local[2] or spark://host:7077 "
          + "(needs the bml-spark module built; not kept on --resume)")
  String spark;

  @Option(names = "--iterations", paramLabel = "N", description = "meta-iterations in all (default*)")
  Integer iterations;

  @Option(names = "--seed", paramLabel = "S", description = "seed of initialisation and task stream (default 1)")
  Long seed;

  @Option(names = "--clip", paramLabel = "NORM", description = "clip the meta-gradient's global norm; 0 = off (default 0)")
  Double clip;

  @Option(names = "--lr-schedule", paramLabel = "S",
      description = "constant, cosine (to 0 over --iterations) or step:EVERY:FACTOR (default constant)")
  String lrSchedule;

  @Option(names = "--hp", paramLabel = "NAME=VALUE",
      description = "method-specific hyperparameter (repeatable), e.g. --hp temperature=2 for protonet; "
          + "'./bml train --list' shows each method's")
  Map<String, String> hp;

  @Option(names = "--val-every", paramLabel = "N", description = "validate every N iterations; 0 = never (default 500)")
  Integer valEvery;

  @Option(names = "--val-tasks", paramLabel = "N", description = "validation tasks (default 100)")
  Integer valTasks;

  @Option(names = "--checkpoint-every", paramLabel = "N",
      description = "checkpoint every N iterations; 0 = only at the end (default 500)")
  Integer checkpointEvery;

  @Option(names = "--log-every", paramLabel = "N", description = "metrics line every N iterations (default 10)")
  Integer logEvery;

  @Option(names = "--out", paramLabel = "DIR", description = "output directory (default bml-out/METHOD-DATASET)")
  Path out;

  @Option(names = "--resume", description = "continue the run in --out DIR from its checkpoint (bit-identical on CPU)")
  boolean resume;

  @Option(names = "--list", description = "list methods (with their --hp names) and data sets, then exit")
  boolean list;

  @picocli.CommandLine.Mixin
  BackendOptions backendOptions;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    if (list) {
      printList(stdout);
      return 0;
    }
    PrintWriter err = spec.commandLine().getErr();
    Checkpoint resumeFrom = null;
    RunConfig config;
    Path dir;
    if (resume) {
      if (out == null) {
        throw new BadInputException("--resume needs --out DIR, the directory of the run to continue");
      }
      dir = out;
      RunLock.refuseIfHeld(dir);
      Path file = dir.resolve(Experiment.CHECKPOINT);
      if (!Files.isRegularFile(file)) {
        throw new BadInputException("--resume: there is no checkpoint " + file);
      }
      resumeFrom = Experiment.readCheckpoint(file);
      config = mergeForResume(RunConfig.fromMap(resumeFrom.config(), file.toString()), file, err);
      // The run's reporting settings carry over unless given again.
      Map<String, String> saved = resumeFrom.config();
      valEvery = valEvery != null ? valEvery : savedInt(saved, "run.val-every", 500);
      valTasks = valTasks != null ? valTasks : savedInt(saved, "run.val-tasks", 100);
      checkpointEvery = checkpointEvery != null ? checkpointEvery : savedInt(saved, "run.checkpoint-every", 500);
      logEvery = logEvery != null ? logEvery : savedInt(saved, "run.log-every", 10);
    } else {
      config = fromOptions();
      dir = out != null ? out : Path.of("bml-out", config.method() + "-" + config.dataset());
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new BadInputException("--out " + dir + " exists and is not a directory");
      }
      RunLock.refuseIfHeld(dir);
      if (Files.exists(dir.resolve(Experiment.CHECKPOINT))) {
        throw new BadInputException("--out " + dir + " already holds a run (" + Experiment.CHECKPOINT
            + "); pass --resume to continue it, or choose another --out");
      }
    }
    valEvery = valEvery == null ? 500 : valEvery;
    valTasks = valTasks == null ? 100 : valTasks;
    checkpointEvery = checkpointEvery == null ? 500 : checkpointEvery;
    logEvery = logEvery == null ? 10 : logEvery;
    RunConfig.atLeast("--val-every", valEvery, 0);
    RunConfig.atLeast("--val-tasks", valTasks, 1);
    RunConfig.atLeast("--checkpoint-every", checkpointEvery, 0);
    RunConfig.atLeast("--log-every", logEvery, 1);
    HyperValues hpValues = config.validate();
    config = withHp(config, hpValues.asMap());
    InputLimits.check("train (" + config.metaBatch() + " tasks of " + config.ways() + " x (" + config.shots() + " + "
        + config.queries() + ") examples, chunk " + config.chunk() + ", " + config.innerSteps() + " step(s))",
        InputLimits.trainEstimate(config), memory.bytes());

    Experiment exp = Experiment.build(config, config.episode());
    if (!resume && chunk == null && !exp.learner.decomposesOverTasks() && config.chunk() != config.metaBatch()) {
      config = withChunk(config, config.metaBatch());
      exp = Experiment.build(config, config.episode());
    }
    exp.tasks();
    MetaOptimizer opt = resumeFrom == null ? exp.newOptimizer()
        : exp.newOptimizer(dir.resolve(Experiment.CHECKPOINT), resumeFrom.config().get("layout"));
    TaskExecutor executor = TrainExecutors.open(config, exp, workers, spark);
    try {
      return train(config, exp, opt, executor, resumeFrom, dir, stdout, err);
    } finally {
      if (executor != null) {
        executor.close();
      }
    }
  }

  private int train(RunConfig config, Experiment exp, MetaOptimizer opt, TaskExecutor executor, Checkpoint resumeFrom,
      Path dir, PrintWriter stdout, PrintWriter err) {
    MetaTrainer trainer;
    try {
      trainer = new MetaTrainer(exp.learner, exp.tasks().train(), opt, config.metaBatch(),
          TrainExecutors.shardSize(config, executor), config.seed(), executor);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    double elapsedBefore = 0;
    if (resumeFrom != null) {
      try {
        resumeFrom.restoreInto(opt);
      } catch (IllegalArgumentException e) {
        throw new BadInputException("checkpoint " + dir.resolve(Experiment.CHECKPOINT) + " does not match "
            + config.method() + " on " + config.dataset() + ": " + e.getMessage(), e);
      }
      elapsedBefore = parseDouble(resumeFrom.provenance().get("elapsed_s"));
      if (opt.iteration() >= config.iterations()) {
        stdout.printf("%s is already at iteration %d (--iterations %d): nothing to do%n",
            dir.resolve(Experiment.CHECKPOINT), opt.iteration(), config.iterations());
        stdout.flush();
        return 0;
      }
    }
    boolean created = !Files.exists(dir);
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new BadInputException("cannot create --out " + dir + ": " + InputLimits.describe(e), e);
    }
    Map<String, String> provenance = new TreeMap<>(Checkpoint.capture(opt, Map.of(), config.seed()).provenance());
    provenance.put("cli", "bml-cli " + Main.VERSION);
    provenance.putAll(BackendOptions.provenance());
    if (executor != null) {
      provenance.put("executor", executor.describe());
      provenance.put("shard-tasks", Integer.toString(TrainExecutors.shardSize(config, executor)));
    }
    boolean completed;
    try (GracefulStop stop = GracefulStop.install(); RunLock lock = RunLock.acquire(dir, err)) {
      RunFiles.removeStaleTemporaries(dir, err);
      boolean zeroBasedMetrics = resumeFrom != null
          && !resumeFrom.provenance().containsKey(RunFiles.METRICS_ITERATION);
      try (MetricsLog metrics = MetricsLog.open(dir, opt.iteration(), zeroBasedMetrics)) {
        Run run = new Run(config, exp, opt, trainer, dir, metrics, provenance, elapsedBefore, err);
        if (resumeFrom != null) {
          run.restoreAverages(resumeFrom.provenance());
        }
        run.stop = stopForTests != null ? stopForTests : stop;
        completed = run.loop();
      } catch (BadInputException | ArithmeticException e) {
        if (e instanceof ArithmeticException && !InputLimits.isOverflow(e)) {
          throw e;
        }
        if (created) {
          RunFiles.removeIfNothingSaved(dir);
        }
        throw e instanceof BadInputException b ? b : new BadInputException("sizes too large: " + e.getMessage()
            + " (--shots, --queries, --ways, --meta-batch or --chunk)", e);
      }
    }
    if (!completed) {
      return 0;
    }
    stdout.printf("trained %s on %s to iteration %d%n  checkpoint: %s%n  metrics:    %s%n", config.method(),
        config.dataset(), config.iterations(), dir.resolve(Experiment.CHECKPOINT), dir.resolve(MetricsLog.FILE));
    TrainPlots.fanAfterTraining(exp, opt.params(), dir, stdout);
    stdout.flush();
    return 0;
  }

  /** The training loop of one process, with its snapshots for keeping the last good state. */
  private final class Run {
    private final RunConfig config;
    private final Experiment exp;
    private final MetaOptimizer opt;
    private final MetaTrainer trainer;
    private final Path dir;
    private final MetricsLog metrics;
    private final Map<String, String> provenance;
    private final double elapsedBefore;
    private final long t0 = System.nanoTime();
    private final Progress progress;
    private final PrintWriter err;
    private long lastWritten;
    GracefulStop stop;
    private double windowSum;
    private int windowCount;
    private double running = Double.NaN;

    Run(RunConfig config, Experiment exp, MetaOptimizer opt, MetaTrainer trainer, Path dir, MetricsLog metrics,
        Map<String, String> provenance, double elapsedBefore, PrintWriter err) {
      this.config = config;
      this.exp = exp;
      this.opt = opt;
      this.trainer = trainer;
      this.dir = dir;
      this.metrics = metrics;
      this.provenance = provenance;
      this.elapsedBefore = elapsedBefore;
      this.progress = new Progress(err, Progress.stderrIsTerminal(), "train", "it", config.iterations(), opt.iteration());
      this.lastWritten = resume ? opt.iteration() : -1;
      this.err = err;
    }

    /** The running averages as saved with the checkpoint (absent in older files: start afresh). */
    void restoreAverages(Map<String, String> prov) {
      windowSum = prov.containsKey(RunFiles.WINDOW_SUM) ? Double.parseDouble(prov.get(RunFiles.WINDOW_SUM)) : 0;
      windowCount = prov.containsKey(RunFiles.WINDOW_COUNT) ? Integer.parseInt(prov.get(RunFiles.WINDOW_COUNT)) : 0;
      running = prov.containsKey(RunFiles.RUNNING) ? Double.parseDouble(prov.get(RunFiles.RUNNING)) : Double.NaN;
    }

    /** Trains to the end (true) or until a stop was requested and saved (false). */
    boolean loop() {
      int start = opt.iteration();
      int total = config.iterations();
      Snapshot prev = new Snapshot(opt);
      Snapshot cur = new Snapshot(opt);
      long pendingCheckpoint = -1;
      String lastVal = "";
      for (int i = start; i < total; i++) {
        Snapshot t = prev;
        prev = cur;
        cur = t;
        cur.capture(opt, i);
        cur.windowSum = windowSum;
        cur.windowCount = windowCount;
        cur.running = running;
        double lr = Experiment.learningRate(opt, i);
        double loss;
        try {
          loss = trainer.step(i);
        } catch (ArithmeticException e) {
          if (InputLimits.isOverflow(e)) {
            progress.finish();
            throw new BadInputException("sizes too large: " + e.getMessage() + " at iteration " + (i + 1)
                + " (--shots, --queries, --ways, --meta-batch or --chunk)", e);
          }
          // θ_i's own loss or gradient is not finite, so the last good state is θ_{i-1}.
          throw diverged(i, e.getMessage(), prev.verified && prev.iteration == i - 1 ? prev : null);
        }
        if (afterStepForTests != null) {
          afterStepForTests.accept(i, opt);
        }
        if (!finite(opt.flatParams()) || (opt.updaterState() != null && !finite(opt.updaterState()))) {
          throw diverged(i, "the update made the meta-parameters or optimizer state non-finite (loss was " + loss
              + ")", cur);
        }
        cur.verified = true;
        if (pendingCheckpoint == i) {
          write(cur.params, cur.state, i, cur.windowSum, cur.windowCount, cur.running);
        }
        running = Double.isNaN(running) ? loss : 0.98 * running + 0.02 * loss;
        windowSum += loss;
        windowCount++;
        int done = i + 1;
        if (done % logEvery == 0 || done == total) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("iteration", done);
          line.put("loss", loss);
          line.put("loss_avg", windowSum / windowCount);
          line.put("lr", lr);
          line.put("elapsed_s", elapsed());
          windowSum = 0;
          windowCount = 0;
          appendOrSave(line, done);
        }
        if (valEvery > 0 && done % valEvery == 0) {
          lastVal = validate(i);
        }
        if (checkpointEvery > 0 && done % checkpointEvery == 0 && done < total) {
          pendingCheckpoint = done;
        }
        progress.update(done, String.format("loss %.4f  lr %.2e%s", running, lr, lastVal));
        if (stop != null && stop.requested() && done < total) {
          progress.finish();
          write(opt.flatParams(), opt.updaterState(), done, windowSum, windowCount, running);
          err.println("bml: stopped by a signal after iteration " + done + "; checkpoint written to "
              + dir.resolve(Experiment.CHECKPOINT) + "; continue with ./bml train --resume --out " + dir);
          err.flush();
          return false;
        }
      }
      progress.finish();
      write(opt.flatParams(), opt.updaterState(), total, windowSum, windowCount, running);
      return true;
    }

    /** A metrics line; when it cannot be written, the state after {@code done} iterations is saved first. */
    private void appendOrSave(Map<String, Object> line, int done) {
      try {
        metrics.append(line);
      } catch (java.io.UncheckedIOException e) {
        progress.finish();
        String saved;
        try {
          write(opt.flatParams(), opt.updaterState(), done, windowSum, windowCount, running);
          saved = "the state after " + done + " iterations was saved in " + dir.resolve(Experiment.CHECKPOINT);
        } catch (RuntimeException c) {
          saved = "the final checkpoint also failed (" + c.getMessage() + ")"
              + (lastWritten >= 0 ? "; the checkpoint of iteration " + lastWritten + " is kept" : "");
        }
        throw new java.io.UncheckedIOException(e.getMessage() + "; training stopped: " + saved, e.getCause());
      }
    }

    private String validate(int iteration) {
      Scoring.Scores scores = Scoring.evaluate(exp.learner, opt.params(), exp.tasks().splits().get("val"),
          org.bml.datasets.TaskSeeds.of(config.seed()).validation(), valTasks, evalBatch(exp), config.innerSteps(),
          exp.dataset.images(), null);
      Evaluation.Summary loss = scores.loss();
      Evaluation.Summary acc = scores.accuracy();
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("iteration", iteration + 1);
      line.put("event", "validation");
      line.put("tasks", valTasks);
      line.put("steps", config.innerSteps());
      line.put("val_loss", loss.mean());
      line.put("val_loss_ci95", loss.ci95());
      if (acc != null) {
        line.put("val_accuracy", acc.mean());
        line.put("val_accuracy_ci95", acc.ci95());
      }
      line.put("elapsed_s", elapsed());
      appendOrSave(line, iteration + 1);
      progress.message("validation after " + (iteration + 1) + " iterations: query loss " + loss
          + (acc != null ? String.format(", accuracy %.2f%% ± %.2f%%", 100 * acc.mean(), 100 * acc.ci95()) : ""));
      return acc != null ? String.format("  val acc %.2f%%", 100 * acc.mean())
          : String.format("  val loss %.4f", loss.mean());
    }

    private DivergedException diverged(int iteration, String reason, Snapshot good) {
      progress.finish();
      String kept;
      Path file = dir.resolve(Experiment.CHECKPOINT);
      if (good != null && good.iteration > lastWritten) {
        write(good.params, good.state, good.iteration, good.windowSum, good.windowCount, good.running);
        kept = "the last good state (after " + good.iteration + " iterations) is saved in " + file;
      } else if (lastWritten >= 0) {
        kept = "the last good checkpoint (after " + lastWritten + " iterations) is kept in " + file;
      } else {
        kept = "no checkpoint was written: the loss is not finite at the initial parameters";
      }
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("iteration", iteration + 1);
      line.put("event", "diverged");
      line.put("message", reason);
      line.put("elapsed_s", elapsed());
      metrics.append(line);
      return new DivergedException("training stopped at iteration " + (iteration + 1) + ": " + reason + "; " + kept,
          iteration + 1);
    }

    private void write(INDArray params, INDArray state, long iteration, double wSum, int wCount, double run) {
      Map<String, String> prov = new TreeMap<>(provenance);
      prov.put("elapsed_s", Double.toString(elapsed()));
      // Double.toString round-trips exactly, so a resumed loss_avg equals the uninterrupted one.
      prov.put(RunFiles.WINDOW_SUM, Double.toString(wSum));
      prov.put(RunFiles.WINDOW_COUNT, Integer.toString(wCount));
      prov.put(RunFiles.RUNNING, Double.toString(run));
      prov.put(RunFiles.METRICS_ITERATION, "done");
      Map<String, String> cfg = new LinkedHashMap<>(config.toMap());
      cfg.put("run.val-every", Integer.toString(valEvery));
      cfg.put("run.val-tasks", Integer.toString(valTasks));
      cfg.put("run.checkpoint-every", Integer.toString(checkpointEvery));
      cfg.put("run.log-every", Integer.toString(logEvery));
      new Checkpoint(params, state, Math.toIntExact(iteration), cfg, prov, opt.layout())
          .write(dir.resolve(Experiment.CHECKPOINT));
      lastWritten = iteration;
    }

    private double elapsed() {
      return elapsedBefore + (System.nanoTime() - t0) / 1e9;
    }
  }

  /** A copy of the optimizer's state at the start of an iteration (preallocated, reused). */
  private static final class Snapshot {
    final INDArray params;
    final INDArray state;
    int iteration = -1;
    boolean verified;
    double windowSum;
    int windowCount;
    double running;

    Snapshot(MetaOptimizer opt) {
      params = MemoryScope.outside(() -> opt.flatParams().dup());
      state = opt.updaterState() == null ? null : MemoryScope.outside(() -> opt.updaterState().dup());
    }

    void capture(MetaOptimizer opt, int it) {
      params.assign(opt.flatParams());
      if (state != null) {
        state.assign(opt.updaterState());
      }
      iteration = it;
      verified = false;
    }
  }

  static boolean finite(INDArray a) {
    try (MemoryScope scope = MemoryScope.open("bml-cli-finite")) {
      return !a.isNaN().any() && !a.isInfinite().any();
    }
  }

  static int evalBatch(Experiment exp) {
    return exp.dataset.images() ? 4 : 25;
  }

  private RunConfig fromOptions() {
    String ds = dataset == null ? "sinusoid" : dataset;
    Datasets.Dataset d = Datasets.get(ds);
    Datasets.Defaults def = d.defaults();
    if (!d.images()) {
      if (ways != null) {
        throw new BadInputException("--ways applies to classification only; " + ds + " is regression");
      }
      if (omniglotSplit != null) {
        throw new BadInputException("--omniglot-split applies to the Omniglot data sets only, not " + ds);
      }
      if (batchNorm != null) {
        throw new BadInputException("--batch-norm applies to the image data sets only (Conv-4), not " + ds);
      }
    }
    int mb = metaBatch == null ? def.metaBatch() : metaBatch;
    // Images default to one task per pass (a Conv-4 task's second-order tape is ~0.8 GB); a method
    // whose loss does not decompose over tasks gets its whole meta-batch (see call()).
    int ch = chunk != null ? chunk : d.images() ? 1 : mb;
    String m = method == null ? "maml" : method;
    String r = regularizer == null ? "none" : regularizer;
    return new RunConfig(m, r, ds,
        d.images() ? (omniglotSplit == null ? "maml" : omniglotSplit) : "-",
        d.images() ? (batchNorm == null ? "transductive" : batchNorm.strip()) : "-",
        d.images() ? (ways == null ? def.ways() : ways) : 1, shots == null ? def.shots() : shots,
        queries == null ? def.queries() : queries, innerSteps == null ? 1 : innerSteps,
        innerLr == null ? def.innerLr() : innerLr, outerLr == null ? 1e-3 : outerLr,
        OuterOptimizers.resolve(outerOptimizer == null ? OuterOptimizers.AUTO : outerOptimizer.strip(), m, r,
            !d.images()), mb, ch,
        iterations == null ? def.iterations() : iterations, seed == null ? 1 : seed, clip == null ? 0 : clip,
        lrSchedule == null ? "constant" : lrSchedule, hp == null ? Map.of() : hp,
        recompute == null ? RunConfig.RECOMPUTE_OFF : recompute);
  }

  /**
   * The saved configuration with the options given now: those that shape the model or the task
   * stream must equal the saved values; --iterations, --outer-lr, --clip and --lr-schedule may change
   * (noted on stderr; the continuation then differs from an uninterrupted run).
   */
  private RunConfig mergeForResume(RunConfig s, Path file, PrintWriter err) {
    same("--method", method, s.method(), file);
    same("--regularizer", regularizer, s.regularizer(), file);
    same("--dataset", dataset, s.dataset(), file);
    same("--omniglot-split", omniglotSplit, s.omniglotSplit(), file);
    same("--batch-norm", batchNorm == null ? null : batchNorm.strip(), s.batchNorm(), file);
    same("--ways", ways, s.ways(), file);
    same("--shots", shots, s.shots(), file);
    same("--queries", queries, s.queries(), file);
    same("--inner-steps", innerSteps, s.innerSteps(), file);
    same("--inner-lr", innerLr, s.innerLr(), file);
    same("--meta-batch", metaBatch, s.metaBatch(), file);
    same("--chunk", chunk, s.chunk(), file);
    same("--seed", seed, s.seed(), file);
    if (outerOptimizer != null) {
      // The updaters' state is only meaningful for the updaters that produced it.
      // A PREFIX may be given as first spelled (legacy names before layout 3): the same groups.
      same("--outer-optimizer", OuterOptimizers.fromLegacy(OuterOptimizers.resolve(outerOptimizer.strip(), s.method(),
          s.regularizer(), !s.datasetEntry().images())), s.outerOptimizer(), file);
    }
    if (hp != null) {
      for (Map.Entry<String, String> e : hp.entrySet()) {
        same("--hp " + e.getKey(), e.getValue().strip(), s.hp().get(e.getKey()), file);
      }
    }
    int it = changed("--iterations", iterations, s.iterations(), err);
    double lr = changed("--outer-lr", outerLr, s.outerLr(), err);
    double cl = changed("--clip", clip, s.clip(), err);
    String sched = changed("--lr-schedule", lrSchedule, s.lrSchedule(), err);
    // Memory only: the meta-gradient is the same up to float rounding.
    String rc = changed("--recompute", recompute == null ? null : recompute.strip(), s.recompute(), err);
    return new RunConfig(s.method(), s.regularizer(), s.dataset(), s.omniglotSplit(), s.batchNorm(), s.ways(), s.shots(), s.queries(),
        s.innerSteps(), s.innerLr(), lr, s.outerOptimizer(), s.metaBatch(), s.chunk(), it, s.seed(), cl, sched, s.hp(), rc);
  }

  private static void same(String option, Object given, Object saved, Path file) {
    if (given != null && !given.equals(saved)) {
      throw new BadInputException(option + " " + given + " differs from the resumed run's " + saved + " (" + file
          + "); a resumed run keeps its method, data and task stream");
    }
  }

  private static <T> T changed(String option, T given, T saved, PrintWriter err) {
    if (given == null || given.equals(saved)) {
      return saved;
    }
    err.println("bml: note: " + option + " changed from " + saved + " to " + given + " on resume");
    err.flush();
    return given;
  }

  private static RunConfig withHp(RunConfig c, Map<String, String> hp) {
    return new RunConfig(c.method(), c.regularizer(), c.dataset(), c.omniglotSplit(), c.batchNorm(), c.ways(), c.shots(), c.queries(),
        c.innerSteps(), c.innerLr(), c.outerLr(), c.outerOptimizer(), c.metaBatch(), c.chunk(), c.iterations(), c.seed(), c.clip(),
        c.lrSchedule(), hp, c.recompute());
  }

  private static RunConfig withChunk(RunConfig c, int chunk) {
    return new RunConfig(c.method(), c.regularizer(), c.dataset(), c.omniglotSplit(), c.batchNorm(), c.ways(), c.shots(), c.queries(),
        c.innerSteps(), c.innerLr(), c.outerLr(), c.outerOptimizer(), c.metaBatch(), chunk, c.iterations(), c.seed(), c.clip(),
        c.lrSchedule(), c.hp(), c.recompute());
  }

  private static int savedInt(Map<String, String> saved, String key, int fallback) {
    try {
      return saved.containsKey(key) ? Integer.parseInt(saved.get(key)) : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static double parseDouble(String s) {
    try {
      return s == null ? 0 : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static void printList(PrintWriter out) {
    out.println("methods:");
    for (String n : Methods.names()) {
      Methods.Method m = Methods.get(n);
      out.printf("  %-16s %s [%s]%n", n, m.summary(),
          m.kinds().stream().map(k -> k.name().toLowerCase()).reduce((a, b) -> a + ", " + b).orElse(""));
      for (Methods.Hyper h : m.hyperparameters()) {
        out.printf("      --hp %s=%s  %s%n", h.name(), h.defaultValue(), h.description());
      }
    }
    out.println("datasets:");
    for (String n : Datasets.names()) {
      Datasets.Dataset d = Datasets.get(n);
      out.printf("  %-18s %s [%s]%n", n, d.summary(), d.kind().name().toLowerCase());
    }
    out.println("regularizers (--regularizer NAME; their --hp names go with the method's):");
    for (String n : Regularizers.names()) {
      Regularizers.Regularizer r = Regularizers.get(n);
      out.printf("  %-16s %s%s%n", n, r.summary(),
          r.methods().isEmpty() ? "" : " [with --method " + String.join(", ", r.methods()) + "]");
      for (Methods.Hyper h : r.hyperparameters()) {
        out.printf("      --hp %s=%s  %s%n", h.name(), h.defaultValue(), h.description());
      }
    }
    out.flush();
  }
}
