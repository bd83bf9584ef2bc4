package org.bml.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bml.datasets.TaskDistribution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml compare CHECKPOINT...}: every checkpoint evaluated on the same seeded test tasks,
 * with the metrics of its predictive distribution over sampled task hypotheses, each with a 95%
 * confidence interval, and paired differences against the first checkpoint with paired tests;
 * written as Markdown, CSV and overlaid plots ({@link Comparison}).
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Evaluate checkpoints on the same seeded test tasks and compare them: accuracy (classification) or "
        + "MSE (regression), NLL, ECE, MCE, Brier, 90%% interval coverage, mode coverage (sine-and-line) and time per "
        + "task, each with a 95%% confidence interval (Student t over tasks; percentile bootstrap over tasks for the "
        + "pooled ECE/MCE), and each checkpoint's paired difference from the first with a paired t-test, a Wilcoxon "
        + "signed-rank test (per-task metrics) or a paired bootstrap (ECE).",
        "Writes DIR/compare.md, DIR/compare.csv and DIR/reliability.png (classification) or DIR/coverage.png "
            + "(regression). All checkpoints must share the data set and the episode shape (ways, shots, queries)."},
    footer = {"", "Example:",
        "  ./bml compare runs/maml-sl runs/platipus-sl runs/bmaml-sl --tasks 200 \\",
        "      --shots 2 --noise-std 0.3 --out cmp-sl", ""})
final class CompareCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "CHECKPOINT", description = "checkpoint files or training --out directories; "
      + "the first is the baseline of the paired differences")
  List<Path> checkpoints;

  @Option(names = "--tasks", paramLabel = "N", description = "test tasks (default ${DEFAULT-VALUE})")
  int tasks = 200;

  @Option(names = "--seed", paramLabel = "S", description = "base seed of the test tasks (default: the first "
      + "checkpoint's)")
  Long seed;

  @Option(names = "--steps", paramLabel = "K", description = "adaptation steps (default: each checkpoint's training "
      + "--inner-steps)")
  Integer steps;

  @Option(names = "--shots", paramLabel = "K", description = "support examples per class / task for every checkpoint "
      + "(default: as trained)")
  Integer shots;

  @Option(names = "--samples", paramLabel = "K", description = "task hypotheses per task (default ${DEFAULT-VALUE})")
  int samples = 10;

  @Option(names = "--noise-std", paramLabel = "S", description = "regression observation noise, as for eval "
      + "--uncertainty (default auto)")
  String noiseStd;

  @Option(names = "--temperature-scale", description = "classification: add a row per checkpoint with its logits "
      + "divided by a temperature fitted on validation tasks (Guo et al. 2017)")
  boolean temperatureScale;

  @Option(names = "--batch", paramLabel = "T", description = "tasks adapted at once (default 25; 4 for images)")
  Integer batch;

  @Option(names = "--hp", paramLabel = "[N:]NAME=VALUE", description = "override a hyper-parameter that acts only at "
      + "prediction, as eval --hp (llama: prior-precision, damping): for the N-th checkpoint (1 = first), or without "
      + "N for every checkpoint whose method takes it; the row's label shows it; others are refused")
  List<String> hp;

  @Option(names = "--out", paramLabel = "DIR", description = "output directory (default ${DEFAULT-VALUE})")
  Path out = Path.of("bml-compare");

  @Override
  public Integer call() {
    RunConfig.atLeast("--tasks", tasks, 2);
    RunConfig.atLeast("--samples", samples, 1);
    if (steps != null) {
      RunConfig.atLeast("--steps", steps, 0);
    }
    if (batch != null) {
      RunConfig.atLeast("--batch", batch, 1);
    }
    Uncertainty.checkNoiseOption(noiseStd);
    Plots.checkDirectory("--out", out);
    Comparison.checkSameTasks(checkpoints);
    List<java.util.Map<String, String>> overrides = hpOverrides();
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Experiment.EpisodeOverride override = new Experiment.EpisodeOverride(null, shots, null);
    List<Comparison.Entry> entries = new ArrayList<>();
    Long base = seed;
    for (int position = 1; position <= checkpoints.size(); position++) {
      Path p = checkpoints.get(position - 1);
      java.util.Map<String, String> hps = overrides.get(position - 1);
      Experiment.Loaded loaded = Experiment.load(p, override, c -> EvalOptions.withOverrides(c, hps, null));
      Experiment exp = loaded.experiment();
      if (base == null) {
        base = exp.config.seed();
      }
      if (temperatureScale && !exp.dataset.images()) {
        throw new BadInputException("--temperature-scale applies to classification only; " + exp.dataset.name()
            + " is regression");
      }
      int k = steps == null ? exp.config.innerSteps() : steps;
      int perBatch = batch != null ? batch : TrainCommand.evalBatch(exp);
      Uncertainty unc = Uncertainty.forEval(exp, noiseStd, samples, base);
      TaskDistribution test = exp.tasks().splits().get("test");
      long taskSeed = org.bml.datasets.TaskSeeds.of(base).test();
      err.printf("compare: %s (%s), %d tasks, %d step(s)%n", loaded.file(), exp.config.method(), tasks, k);
      err.flush();
      PredictiveRun run = PredictiveRun.run(exp.learner, loaded.meta(), test, taskSeed, tasks, perBatch, k,
          unc.options());
      String label = exp.config.method() + ("none".equals(exp.config.regularizer()) ? "" : "+" + exp.config.regularizer())
          + (hps.isEmpty() ? "" : " " + hps.toString().replace('{', '[').replace('}', ']').replace(", ", " "));
      String named = label;
      if (entries.stream().anyMatch(x -> x.label().equals(named))) {
        label = label + " #" + position;
      }
      entries.add(new Comparison.Entry(label, loaded.file(), k, run, 1));
      if (temperatureScale) {
        int n = Math.min(tasks, EvalOptions.TEMPERATURE_TASKS);
        PredictiveRun val = PredictiveRun.run(exp.learner, loaded.meta(), exp.tasks().splits().get("val"),
            org.bml.datasets.TaskSeeds.of(base).validation(), n, perBatch, k, unc.options());
        double t = val.fitTemperature().temperature();
        entries.add(new Comparison.Entry(label + " + TS (T=" + String.format("%.3f", t) + ")", loaded.file(), k, run, t));
      }
    }
    Comparison c = new Comparison(entries, base, tasks);
    List<Path> written = c.write(out);
    o.print(c.markdown());
    o.println("wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
    o.flush();
    return 0;
  }

  /**
   * The --hp overrides per checkpoint position, checked before anything is evaluated: a positioned
   * one must be a prediction hyper-parameter of that checkpoint's method; an unpositioned one goes
   * to every checkpoint whose method takes it and must fit at least one.
   */
  private List<java.util.Map<String, String>> hpOverrides() {
    List<String> methods = new ArrayList<>();
    List<java.util.Map<String, String>> out = new ArrayList<>();
    for (Path p : checkpoints) {
      Path file = Experiment.checkpointFile(p);
      methods.add(RunConfig.fromMap(Experiment.readCheckpoint(file).config(), file.toString()).method());
      out.add(new java.util.LinkedHashMap<>());
    }
    if (hp == null) {
      return out;
    }
    for (String given : hp) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+):(.*)").matcher(given);
      Integer position = null;
      String kv = given;
      if (m.matches()) {
        position = Integer.parseInt(m.group(1));
        kv = m.group(2);
        if (position < 1 || position > checkpoints.size()) {
          throw new BadInputException("compare --hp " + given + ": checkpoint " + position + " does not exist (1 to "
              + checkpoints.size() + ")");
        }
      }
      String[] nv = EvalOptions.splitHp(kv);
      if (position != null) {
        EvalOptions.checkPredictionHyper("compare", methods.get(position - 1), nv[0]);
        out.get(position - 1).put(nv[0], nv[1]);
        continue;
      }
      boolean used = false;
      for (int i = 0; i < methods.size(); i++) {
        if (EvalOptions.PREDICTION_HYPERS.getOrDefault(methods.get(i), List.of()).contains(nv[0])) {
          out.get(i).put(nv[0], nv[1]);
          used = true;
        }
      }
      if (!used) {
        List<String> rules = new ArrayList<>();
        for (String method : new java.util.LinkedHashSet<>(methods)) {
          List<String> allowed = EvalOptions.PREDICTION_HYPERS.getOrDefault(method, List.of());
          rules.add(method + ": " + (allowed.isEmpty() ? "none" : String.join(", ", allowed)));
        }
        throw new BadInputException("compare --hp " + nv[0] + ": no checkpoint's method takes it at prediction ("
            + String.join("; ", rules) + "); the others shaped the trained parameters");
      }
    }
    return out;
  }
}
