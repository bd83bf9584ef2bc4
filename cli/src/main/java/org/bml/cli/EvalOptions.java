package org.bml.cli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.DivergenceScreen;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.predictive.TemperatureScaling;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.datasets.TaskDistribution;
import picocli.CommandLine.Option;

/**
 * The options {@code eval} gained for issue 14, with their logic kept out of
 * {@link EvalCommand}: {@code --plots DIR}, {@code --temperature-scale}, {@code --inner-lr} and the
 * divergence screen ({@link DivergenceScreen}, made an error by {@code --fail-on-divergence}).
 */
final class EvalOptions {
  /** Validation tasks the temperature is fitted on (at most; fewer when --tasks is smaller). */
  static final int TEMPERATURE_TASKS = 200;

  @Option(names = "--plots", paramLabel = "DIR", description = "write PNG plots into DIR: reliability diagram and "
      + "confidence histogram (classification), hypothesis fan and coverage curve (1-d regression; the method must "
      + "sample task hypotheses), learning curves (from the run's metrics.jsonl)")
  Path plots;

  @Option(names = "--temperature-scale", description = "classification: also report the predictive with its logits "
      + "divided by a temperature T fitted on validation tasks by minimising their NLL (Guo et al. 2017); with --plots "
      + "the plots use T")
  boolean temperatureScale;

  @Option(names = "--fail-on-divergence", description = "exit with status 3 when a test task diverges (query loss not "
      + "finite or above 1000 x the median task loss), instead of reporting it")
  boolean failOnDivergence;

  @Option(names = "--inner-lr", paramLabel = "ALPHA", description = "adaptation step size at test time (default: as "
      + "trained)")
  Double innerLr;

  /**
   * Hyper-parameters that act only at prediction, so that changing them at eval needs no
   * retraining; every other one shaped the trained θ and is refused.
   */
  static final Map<String, List<String>> PREDICTION_HYPERS = Map.of("llama", List.of("prior-precision", "damping"),
      // DKT's softmax temperature divides the posterior means in predict only; the GP evidence never sees it.
      "dkt", List.of("temperature"));

  @Option(names = "--hp", paramLabel = "NAME=VALUE", description = "override a hyper-parameter that acts only at "
      + "prediction (llama: prior-precision, damping — the Laplace posterior that is sampled); others are refused")
  List<String> hp;

  /** Checks option values before anything runs. */
  void validate(boolean classificationKnown) {
    if (innerLr != null && (!(innerLr > 0) || !Double.isFinite(innerLr))) {
      throw new BadInputException("--inner-lr must be finite and > 0, got " + innerLr);
    }
    if (plots != null) {
      Plots.checkDirectory("--plots", plots);
    }
  }

  /** The checkpoint's configuration with the test-time step size. */
  RunConfig adjust(RunConfig c) {
    return withOverrides(c, hpOverrides(c.method()), innerLr);
  }

  /** {@code c} with hyper-parameters replaced (already checked) and, when given, the step size. */
  static RunConfig withOverrides(RunConfig c, Map<String, String> hps, Double innerLr) {
    if (innerLr == null && hps.isEmpty()) {
      return c;
    }
    Map<String, String> merged = new LinkedHashMap<>(c.hp());
    merged.putAll(hps);
    return new RunConfig(c.method(), c.regularizer(), c.dataset(), c.omniglotSplit(), c.batchNorm(), c.ways(), c.shots(), c.queries(),
        c.innerSteps(), innerLr == null ? c.innerLr() : innerLr, c.outerLr(), c.outerOptimizer(), c.metaBatch(),
        c.chunk(), c.iterations(), c.seed(), c.clip(), c.lrSchedule(), merged, c.recompute());
  }

  /** The --hp overrides, checked against what {@code method} uses only at prediction. */
  Map<String, String> hpOverrides(String method) {
    Map<String, String> out = new LinkedHashMap<>();
    if (hp == null) {
      return out;
    }
    for (String kv : hp) {
      String[] nv = splitHp(kv);
      checkPredictionHyper("eval", method, nv[0]);
      out.put(nv[0], nv[1]);
    }
    return out;
  }

  /** NAME=VALUE → {NAME, VALUE}, or a clear error. */
  static String[] splitHp(String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0 || eq == kv.length() - 1) {
      throw new BadInputException("--hp expects NAME=VALUE, got '" + kv + "'");
    }
    return new String[] {kv.substring(0, eq), kv.substring(eq + 1)};
  }

  /** Refuses {@code name} unless {@code method} uses it only at prediction ({@link #PREDICTION_HYPERS}). */
  static void checkPredictionHyper(String command, String method, String name) {
    List<String> allowed = PREDICTION_HYPERS.getOrDefault(method, List.of());
    if (!allowed.contains(name)) {
      throw new BadInputException(command + " --hp " + name + ": " + method + (allowed.isEmpty()
          ? " has no hyper-parameter that acts only at prediction"
          : " takes only " + String.join(", ", allowed) + " at " + command
              + " (the others shaped the trained parameters)"));
    }
  }

  /** What the header line says about test-time changes. */
  String describe() {
    StringBuilder b = new StringBuilder(innerLr == null ? "" : ", test-time inner-lr " + innerLr);
    if (hp != null) {
      for (String kv : hp) {
        b.append(", test-time ").append(kv);
      }
    }
    return b.toString();
  }

  /**
   * Screens per-task losses: prints a line when tasks diverged (and throws with
   * --fail-on-divergence), and returns the loss summary to report — the mean over the tasks that
   * did not diverge — with its JSON fields.
   */
  Evaluation.Summary screen(double[] losses, int steps, String lossName, PrintWriter out, Map<String, Object> json) {
    DivergenceScreen.Screened s = DivergenceScreen.screen(losses);
    json.put("loss_median", s.median());
    json.put("diverged_tasks", s.divergedCount());
    json.put("loss_all_tasks", Double.isFinite(s.all().mean()) ? s.all().mean() : null);
    if (s.divergedCount() > 0) {
      String msg = String.format("%d of %d test tasks diverged after %d step(s) (%s not finite or above %.0f x the "
          + "median %.4g; first: task %d); median %.4g, mean over the other %d tasks %.4f ± %.4f, mean over all %s",
          s.divergedCount(), s.tasks(), steps, lossName, DivergenceScreen.DEFAULT_FACTOR, s.median(), s.diverged()[0],
          s.median(), s.kept().tasks(), s.kept().mean(), s.kept().ci95(),
          Double.isFinite(s.all().mean()) ? String.format("%.4g", s.all().mean()) : "not finite");
      if (failOnDivergence) {
        throw new DivergedException("--fail-on-divergence: " + msg, s.diverged()[0]);
      }
      out.println("  warning: " + msg);
      out.flush();
    }
    return s.kept();
  }

  boolean wantsPredictiveRun() {
    return plots != null || temperatureScale;
  }

  /**
   * Runs what --plots and --temperature-scale need after the step loop: a predictive run on the
   * test tasks (and one on validation tasks for T), prints the temperature-scaled figures and
   * writes the plots; returns the JSON fields.
   */
  Map<String, Object> runExtras(Experiment exp, Experiment.Loaded loaded, TaskDistribution test, long taskSeed,
      long base, int count, int batch, int steps, UncertaintyOptions options, PrintWriter out) {
    Map<String, Object> json = new LinkedHashMap<>();
    boolean classification = exp.dataset.images();
    if (temperatureScale && !classification) {
      throw new BadInputException("--temperature-scale applies to classification only; " + exp.dataset.name()
          + " is regression");
    }
    String what = exp.config.method() + ("none".equals(exp.config.regularizer()) ? "" : "+" + exp.config.regularizer())
        + " on " + exp.config.dataset();
    Map<String, BufferedImage> images = Plots.images();
    if (plots != null && !classification) {
      // First, so a method without hypotheses is refused before any other work.
      images.put("fan", EvalPlots.fan(what, exp.learner, loaded.meta(), test, taskSeed, steps, options,
          exp.config.method()));
    }
    PredictiveRun run = PredictiveRun.run(exp.learner, loaded.meta(), test, taskSeed, count, batch, steps, options);
    double t = 1;
    if (temperatureScale) {
      TaskDistribution val = exp.tasks().splits().get("val");
      int n = Math.min(count, TEMPERATURE_TASKS);
      PredictiveRun v = PredictiveRun.run(exp.learner, loaded.meta(), val, org.bml.datasets.TaskSeeds.of(base).validation(), n, batch,
          steps, options);
      TemperatureScaling.Fit fit = v.fitTemperature();
      t = fit.temperature();
      PredictiveRun.Classified before = run.classified(1);
      PredictiveRun.Classified after = run.classified(t);
      out.printf("    temperature scaling (Guo et al. 2017): T = %.4f fitted on %d validation tasks (their NLL %.4f -> "
          + "%.4f%s)%n", t, n, fit.nllBefore(), fit.nllAfter(), fit.atBound() ? ", at the search bound" : "");
      out.printf("      test NLL %s -> %s, ECE %.4f -> %.4f, MCE %.4f -> %.4f, Brier %s -> %s (accuracy unchanged)%n",
          pm(before.nll()), pm(after.nll()), before.calibration().ece(), after.calibration().ece(),
          before.calibration().mce(), after.calibration().mce(), pm(before.brier()), pm(after.brier()));
      out.flush();
      json.put("temperature", t);
      json.put("ts_nll", PredictiveRun.summary(after.nll()).mean());
      json.put("ts_ece", after.calibration().ece());
      json.put("ts_mce", after.calibration().mce());
      json.put("ts_brier", PredictiveRun.summary(after.brier()).mean());
    }
    if (plots != null) {
      EvalPlots.addRunPlots(images, what, run, t);
      BufferedImage curves = EvalPlots.learningCurves(what,
          loaded.file().toAbsolutePath().getParent().resolve(MetricsLog.FILE));
      if (curves != null) {
        images.put("learning-curves", curves);
      }
      List<Path> written = Plots.writeAll(plots, images);
      out.println("  plots: " + String.join(", ", written.stream().map(Path::toString).toList()));
      out.flush();
    }
    return json;
  }

  private static String pm(double[] perTask) {
    Evaluation.Summary s = PredictiveRun.summary(perTask);
    return String.format("%.4f ± %.4f", s.mean(), s.ci95());
  }

  static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }
}
