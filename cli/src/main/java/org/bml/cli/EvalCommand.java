package org.bml.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bml.algorithms.Evaluation;
import org.bml.datasets.DatasetException;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.omniglot.OneShotBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml eval}: the MAML paper's protocol — adapt a checkpoint's meta-parameters to each of
 * {@code --tasks} fresh test tasks and report the mean and 95% confidence interval of the query
 * MSE (regression) or accuracy (classification); with {@code --lake-runs}, Lake et al.'s 20
 * original one-shot runs instead. With {@code --uncertainty}, also the metrics of the method's
 * predictive distribution over sampled task hypotheses ({@link Uncertainty}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Evaluate a checkpoint on fresh test tasks: mean and 95%% confidence interval over --tasks tasks of "
        + "the query MSE (regression) or accuracy and cross-entropy (classification), after each --steps count of "
        + "adaptation steps (MAML paper protocol).",
        "With --uncertainty, also the predictive distribution over --samples task hypotheses per task (a mixture with "
            + "observation noise for regression, averaged class probabilities for classification): NLL, MSE, coverage "
            + "of the central 50/90/95%% intervals and, on sine-and-line, mode coverage of the ambiguous tasks; or NLL, "
            + "accuracy, Brier score, ECE and MCE (15 bins).",
        "Test tasks are drawn under --seed plus a fixed offset per split, so they differ from the training tasks; "
            + "for Omniglot the test split's classes are disjoint from the training classes."},
    footer = {"", "Examples:",
        "  ./bml eval --checkpoint runs/maml-sine --shots 5 --steps 1,5,10",
        "  ./bml eval --checkpoint runs/platipus --uncertainty --samples 10 \\",
        "      --json platipus.jsonl",
        "  ./bml eval --checkpoint runs/proto20/checkpoint.bml --lake-runs \\",
        "      --json results.jsonl", ""})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @picocli.CommandLine.Mixin
  InputLimits.Memory memory = new InputLimits.Memory();

  @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
      description = "checkpoint file, or a training --out directory")
  Path checkpoint;

  @Option(names = "--tasks", paramLabel = "N", description = "test tasks (default 600, the MAML paper's)")
  Integer tasks;

  @Option(names = "--steps", paramLabel = "K", split = ",",
      description = "adaptation steps at test time, a comma-separated list (default: the training --inner-steps)")
  List<Integer> steps;

  @Option(names = "--seed", paramLabel = "S", description = "base seed of the test tasks (default: the run's seed)")
  Long seed;

  @Option(names = "--split", paramLabel = "NAME",
      description = "split to draw tasks from: test, val or train (default test)")
  String split = "test";

  @Option(names = "--ways", paramLabel = "N", description = "classes per test episode (default: as trained)")
  Integer ways;

  @Option(names = "--shots", paramLabel = "K", description = "support examples per class / task (default: as trained)")
  Integer shots;

  @Option(names = "--queries", paramLabel = "Q", description = "query examples per class / task (default: as trained)")
  Integer queries;

  @Option(names = "--lake-runs", description = "Omniglot: evaluate on the 20 original one-shot runs of Lake et al. "
      + "(20-way 1-shot) instead of sampled episodes")
  boolean lakeRuns;

  @Option(names = "--batch", paramLabel = "T", description = "tasks adapted at once (default 25; 4 for images)")
  Integer batch;

  @Option(names = "--json", paramLabel = "FILE", description = "also append one JSON line per --steps value to FILE")
  Path json;

  @Option(names = "--uncertainty", description = "also score the predictive distribution over sampled task hypotheses: "
      + "NLL, MSE (regression) or accuracy, Brier, ECE and MCE over 15 bins (classification), coverage of the central "
      + "50/90/95%% intervals (regression), mode coverage on ambiguous tasks (sine-and-line); JSON keys predictive_*")
  boolean uncertainty;

  @Option(names = "--samples", paramLabel = "K",
      description = "with --uncertainty: task hypotheses sampled per task (point-estimate methods have one; BMAML and "
          + "EMAML at most their particles) (default 10)")
  Integer samples;

  @Option(names = "--noise-std", paramLabel = "S",
      description = "with --uncertainty, regression: the observation noise of each hypothesis: a standard deviation "
          + "S > 0, support-fit (the hypothesis' mean squared residual on the support set), learned (BMAML's "
          + "per-particle precision) or auto (learned where the method has it, else support-fit) (default auto)")
  String noiseStd;

  @Mixin
  EvalOptions extra = new EvalOptions();

  @picocli.CommandLine.Mixin
  BackendOptions backendOptions;

  @Override
  public Integer call() {
    if (tasks != null) {
      RunConfig.atLeast("--tasks", tasks, 2); // a 95% interval needs two tasks
    }
    if (batch != null) {
      RunConfig.atLeast("--batch", batch, 1);
    }
    List<Integer> stepList = steps == null ? null : List.copyOf(steps);
    if (stepList != null) {
      for (int k : stepList) {
        RunConfig.atLeast("--steps", k, 0);
      }
    }
    Datasets.seedOffset(split);
    if (json != null) {
      Path parent = json.toAbsolutePath().getParent();
      if (!Files.isDirectory(parent)) {
        throw new BadInputException("--json " + json + ": directory " + parent + " does not exist");
      }
      if (Files.exists(json) && !Files.isRegularFile(json)) {
        throw new BadInputException("--json " + json + " is not a regular file");
      }
    }
    if (lakeRuns && (ways != null || shots != null || queries != null || !"test".equals(split))) {
      throw new BadInputException("--lake-runs uses the fixed 20-way 1-shot runs; --ways, --shots, --queries and "
          + "--split do not apply");
    }
    if (!uncertainty && !extra.wantsPredictiveRun() && (samples != null || noiseStd != null)) {
      throw new BadInputException((samples != null ? "--samples" : "--noise-std") + " applies with --uncertainty only");
    }
    if (samples != null) {
      RunConfig.atLeast("--samples", samples, 1);
    }
    Uncertainty.checkNoiseOption(noiseStd);
    extra.validate(false);
    OneShotBenchmark lake = null;
    Experiment.EpisodeOverride override = new Experiment.EpisodeOverride(ways, shots, queries);
    if (lakeRuns) {
      if (tasks != null) {
        throw new BadInputException("--lake-runs evaluates the 20 fixed runs; --tasks does not apply");
      }
      Path file = Experiment.checkpointFile(checkpoint);
      RunConfig c = RunConfig.fromMap(Experiment.readCheckpoint(file).config(), file.toString());
      if (!c.datasetEntry().images()) {
        throw new BadInputException("--lake-runs needs an Omniglot checkpoint; " + file + " was trained on "
            + c.dataset());
      }
      try {
        lake = OneShotBenchmark.load();
      } catch (DatasetException | IllegalArgumentException e) {
        throw new BadInputException("Lake's one-shot runs: " + e.getMessage(), e);
      }
      override = new Experiment.EpisodeOverride(lake.ways(), 1, 1);
    }
    Experiment.Loaded loaded = Experiment.load(checkpoint, override, extra::adjust);
    Experiment exp = loaded.experiment();
    RunConfig config = exp.config;
    TaskDistribution dist = lakeRuns ? lake : exp.tasks().splits().get(split);
    long base = seed == null ? config.seed() : seed;
    long taskSeed = lakeRuns ? 0 : org.bml.datasets.TaskSeeds.of(base).seed(org.bml.datasets.TaskSeeds.Split.parse(split));
    int count = lakeRuns ? lake.runs() : tasks == null ? 600 : tasks;
    int perBatch = batch != null ? batch : TrainCommand.evalBatch(exp);
    InputLimits.check("eval", InputLimits.evalEstimate(exp.dataset, override.apply(config), perBatch, stepList == null
        ? config.innerSteps() : stepList.stream().mapToInt(Integer::intValue).max().orElse(0), uncertainty
        ? (samples == null ? 10 : samples) : 0), memory.bytes());
    boolean classification = exp.dataset.images();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String what = lakeRuns ? "Lake et al. one-shot runs (" + count + " runs, " + lake.ways() + "-way 1-shot)"
        : split + " split, " + count + " tasks, " + describeEpisode(exp, override.apply(config));
    out.printf("%s (%s%s on %s, iteration %d): %s%s%n", loaded.file(), config.method(),
        "none".equals(config.regularizer()) ? "" : " + " + config.regularizer(), config.dataset(),
        loaded.checkpoint().iteration(), what, extra.describe()
        + (classification ? ", batch norm " + config.batchNorm() : ""));
    out.flush();
    Uncertainty unc = uncertainty || extra.wantsPredictiveRun()
        ? Uncertainty.forEval(exp, noiseStd, samples == null ? 10 : samples, base) : null;
    List<String> jsonLines = new ArrayList<>();
    for (int k : stepList == null ? List.of(config.innerSteps()) : stepList) {
      Progress progress = new Progress(err, Progress.stderrIsTerminal(), "eval " + k + " step(s)", "tasks", count, 0);
      Scoring.PerTask s = Scoring.perTask(exp.learner, loaded.meta(), dist, taskSeed, count, perBatch, k,
          classification, done -> progress.update(done, ""));
      progress.finish();
      Map<String, Object> screened = new LinkedHashMap<>();
      Evaluation.Summary loss = extra.screen(s.loss(), k, classification ? "query cross-entropy" : "query MSE", out,
          screened);
      if (classification) {
        Evaluation.Summary acc = PredictiveRun.summary(s.accuracy());
        out.printf("  after %2d step(s): accuracy %.2f%% ± %.2f%%  (query cross-entropy %.4f ± %.4f; 95%% CI, %d %s)%n",
            k, 100 * acc.mean(), 100 * acc.ci95(), loss.mean(), loss.ci95(), acc.tasks(), lakeRuns ? "runs" : "tasks");
      } else {
        out.printf("  after %2d step(s): query MSE %.4f ± %.4f  (95%% CI, %d tasks; of the adapted parameters)%n", k, loss.mean(), loss.ci95(),
            loss.tasks());
      }
      out.flush();
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("checkpoint", loaded.file().toString());
      line.put("iteration", loaded.checkpoint().iteration());
      line.put("method", config.method());
      line.put("regularizer", config.regularizer());
      line.put("outer_optimizer", config.outerOptimizer());
      line.put("dataset", config.dataset());
      line.put("split", lakeRuns ? "lake-runs" : split);
      Datasets.Episode e = override.apply(config);
      line.put("ways", e.ways());
      line.put("shots", e.shots());
      line.put("queries", e.queries());
      line.put("seed", lakeRuns ? null : base);
      line.put("tasks", s.loss().length);
      line.put("steps", k);
      line.put("inner_lr", config.innerLr());
      if (extra.hp != null) {
        line.put("hp_overrides", new java.util.TreeMap<>(extra.hpOverrides(config.method())));
      }
      if (classification) {
        line.put("batch_norm", config.batchNorm());
      }
      line.put("loss", loss.mean());
      line.put("loss_ci95", loss.ci95());
      line.putAll(screened);
      if (classification) {
        Evaluation.Summary acc = PredictiveRun.summary(s.accuracy());
        line.put("accuracy", acc.mean());
        line.put("accuracy_ci95", acc.ci95());
      }
      if (uncertainty) {
        line.putAll(unc.evaluate(exp.learner, loaded.meta(), dist, taskSeed, count, perBatch, k, out));
      }
      jsonLines.add(Json.object(line));
    }
    if (extra.wantsPredictiveRun()) {
      int last = (stepList == null ? List.of(config.innerSteps()) : stepList).get(jsonLines.size() - 1);
      Map<String, Object> more = extra.runExtras(exp, loaded, dist, taskSeed, base, count, perBatch, last, unc.options(),
          out);
      if (!more.isEmpty()) {
        String lastLine = jsonLines.remove(jsonLines.size() - 1);
        jsonLines.add(lastLine.substring(0, lastLine.length() - 1) + "," + Json.object(more).substring(1));
      }
    }
    if (json != null) {
      appendAtomically(json, jsonLines);
      out.println("appended " + jsonLines.size() + " line(s) to " + json);
      out.flush();
    }
    return 0;
  }

  private static String describeEpisode(Experiment exp, Datasets.Episode e) {
    return exp.dataset.images() ? e.ways() + "-way " + e.shots() + "-shot, " + e.queries() + " queries per class"
        : e.shots() + "-shot, " + e.queries() + " query points";
  }

  /** Appends lines by rewriting the whole file through a temporary file (never half-written). */
  static void appendAtomically(Path file, List<String> lines) {
    String before;
    try {
      before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new BadInputException("--json " + file + ": cannot read (" + e.getMessage() + ")", e);
    }
    StringBuilder b = new StringBuilder(before);
    if (!before.isEmpty() && !before.endsWith("\n")) {
      b.append('\n');
    }
    for (String l : lines) {
      b.append(l).append('\n');
    }
    AtomicFiles.writeString(file, b.toString());
  }
}
