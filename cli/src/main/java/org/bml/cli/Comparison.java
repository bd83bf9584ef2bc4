package org.bml.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.stat.inference.TTest;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.predictive.UncertaintyMetrics;

/**
 * The table of {@code compare}: per checkpoint (and temperature) the metrics of its predictive
 * run on the shared test tasks, with 95% CIs, and paired differences from the first entry. Per-task
 * metrics are compared by a paired t-test and a Wilcoxon signed-rank test (normal approximation;
 * Commons Math); the pooled ECE by a paired bootstrap over tasks (the same resampled tasks for
 * both, {@value PredictiveRun#BOOTSTRAP} resamples, seed {@value #BOOTSTRAP_SEED}).
 */
final class Comparison {
  static final long BOOTSTRAP_SEED = 20261203L;

  /** One row: a checkpoint's run, scored at a temperature (1 for none, always 1 for regression). */
  record Entry(String label, Path file, int steps, PredictiveRun run, double temperature) {}

  /** A metric of one entry: value with a 95% interval, and per-task values where it is a mean over tasks. */
  record Metric(String name, double value, double lo, double hi, double[] perTask) {}

  private final List<Entry> entries;
  private final long seed;
  private final int tasks;
  private final List<List<Metric>> metrics = new ArrayList<>();
  private final List<PredictiveRun.Classified> classified = new ArrayList<>();

  Comparison(List<Entry> entries, long seed, int tasks) {
    this.entries = entries;
    this.seed = seed;
    this.tasks = tasks;
    for (Entry e : entries) {
      metrics.add(metricsOf(e));
    }
  }

  /**
   * Refuses checkpoints of different data sets or episode shapes before anything is evaluated
   * (their "same tasks" would not be the same).
   */
  static void checkSameTasks(List<Path> checkpoints) {
    RunConfig first = null;
    Path firstFile = null;
    for (Path p : checkpoints) {
      Path file = Experiment.checkpointFile(p);
      RunConfig c = RunConfig.fromMap(Experiment.readCheckpoint(file).config(), file.toString());
      if (first == null) {
        first = c;
        firstFile = file;
        continue;
      }
      String a = shape(first);
      String b = shape(c);
      if (!a.equals(b)) {
        throw new BadInputException("compare needs checkpoints on the same tasks: " + firstFile + " was trained on " + a
            + ", " + file + " on " + b);
      }
    }
  }

  private static String shape(RunConfig c) {
    return CactusDatasets.evaluatedOn(c.dataset()) + (c.datasetEntry().images() ? " (" + c.omniglotSplit() + " split) " + c.ways() + "-way "
        + c.shots() + "-shot " + c.queries() + " queries" : " " + c.shots() + "-shot " + c.queries() + " queries");
  }

  private List<Metric> metricsOf(Entry e) {
    List<Metric> m = new ArrayList<>();
    PredictiveRun r = e.run();
    if (r.classification) {
      PredictiveRun.Classified c = r.classified(e.temperature());
      classified.add(c);
      m.add(mean("accuracy", c.accuracy()));
      m.add(mean("NLL", c.nll()));
      double[] ci = r.calibrationInterval(c, BOOTSTRAP_SEED);
      m.add(new Metric("ECE", c.calibration().ece(), ci[0], ci[1], null));
      m.add(new Metric("MCE", c.calibration().mce(), ci[2], ci[3], null));
      m.add(mean("Brier", c.brier()));
    } else {
      classified.add(null);
      m.add(mean("MSE", r.perTaskMse()));
      m.add(mean("NLL", r.perTaskNll()));
      m.add(mean("coverage@90", r.perTaskCoverage(0.9)));
      m.add(mean("coverage@50", r.perTaskCoverage(0.5)));
      double[] modes = r.ambiguousModeCoverage();
      if (modes.length > 0) {
        Metric mc = mean("mode coverage", modes);
        // paired over tasks by position: keep the NaN-marked per-task array for pairing
        m.add(new Metric(mc.name(), mc.value(), mc.lo(), mc.hi(), r.modeCoverage.clone()));
      }
    }
    m.add(new Metric("time/task (s)", r.secondsPerTask, Double.NaN, Double.NaN, null));
    return m;
  }

  private static Metric mean(String name, double[] perTask) {
    double[] finite = Arrays.stream(perTask).filter(v -> !Double.isNaN(v)).toArray();
    Evaluation.Summary s = PredictiveRun.summary(finite);
    return new Metric(name, s.mean(), s.mean() - s.ci95(), s.mean() + s.ci95(), perTask);
  }

  /** Paired comparison of metric i of entry j with the baseline: {difference, p (t), p (Wilcoxon), p (bootstrap)}. */
  private double[] paired(int j, int i) {
    Metric a = metrics.get(j).get(i);
    Metric b = metrics.get(0).get(i);
    double diff = a.value() - b.value();
    double pt = Double.NaN;
    double pw = Double.NaN;
    double pb = Double.NaN;
    if (a.perTask() != null && b.perTask() != null) {
      List<double[]> pairs = new ArrayList<>();
      for (int t = 0; t < a.perTask().length; t++) {
        if (!Double.isNaN(a.perTask()[t]) && !Double.isNaN(b.perTask()[t])) {
          pairs.add(new double[] {a.perTask()[t], b.perTask()[t]});
        }
      }
      double[] x = pairs.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = pairs.stream().mapToDouble(p -> p[1]).toArray();
      boolean differs = false;
      for (int t = 0; t < x.length; t++) {
        differs |= x[t] != y[t];
      }
      if (x.length >= 2 && differs) {
        pt = new TTest().pairedTTest(x, y);
        pw = new WilcoxonSignedRankTest().wilcoxonSignedRankTest(x, y, false);
      } else if (x.length >= 2) {
        pt = 1;
        pw = 1;
      }
    } else if (a.name().equals("ECE")) {
      pb = PredictiveRun.pairedBootstrap(entries.get(j).run(), classified.get(j), entries.get(0).run(),
          classified.get(0), BOOTSTRAP_SEED)[1];
    }
    return new double[] {diff, pt, pw, pb};
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    PredictiveRun r0 = entries.get(0).run();
    b.append("## bml compare: ").append(tasks).append(" test tasks (seed ").append(seed).append("), ")
        .append(r0.classification ? "classification" : "regression").append("\n\n");
    List<Metric> first = metrics.get(0);
    b.append("| method | checkpoint | steps | hypotheses |");
    for (Metric m : first) {
      b.append(' ').append(m.name()).append(" |");
    }
    b.append("\n|---|---|---|---|");
    b.append("---|".repeat(first.size())).append('\n');
    for (int j = 0; j < entries.size(); j++) {
      Entry e = entries.get(j);
      b.append("| ").append(e.label()).append(" | ").append(e.file()).append(" | ").append(e.steps()).append(" | ")
          .append(e.run().hypotheses).append(" |");
      for (Metric m : metrics.get(j)) {
        b.append(' ').append(cell(m)).append(" |");
      }
      b.append('\n');
    }
    b.append("\nValues are means over tasks with 95% intervals [low, high] (Student t; ECE and MCE: percentile bootstrap "
        + "over tasks of the pooled figure, 15 bins).\n");
    if (entries.size() > 1) {
      b.append("\n### Paired differences from ").append(entries.get(0).label()).append(" (row − baseline, same tasks)\n\n");
      b.append("| method | metric | difference | p (paired t) | p (Wilcoxon) | p (paired bootstrap) |\n");
      b.append("|---|---|---|---|---|---|\n");
      for (int j = 1; j < entries.size(); j++) {
        for (int i = 0; i < first.size(); i++) {
          Metric m = metrics.get(j).get(i);
          if (m.name().startsWith("time") || m.name().equals("MCE") || i >= metrics.get(0).size()
              || !metrics.get(0).get(i).name().equals(m.name())) {
            continue;
          }
          double[] p = paired(j, i);
          b.append("| ").append(entries.get(j).label()).append(" | ").append(m.name()).append(" | ")
              .append(String.format("%+.4g", p[0])).append(" | ").append(pv(p[1])).append(" | ").append(pv(p[2]))
              .append(" | ").append(pv(p[3])).append(" |\n");
        }
      }
    }
    return b.toString();
  }

  private static String cell(Metric m) {
    if (Double.isNaN(m.lo())) {
      return String.format("%.4g", m.value());
    }
    return String.format("%.4g [%.4g, %.4g]", m.value(), m.lo(), m.hi());
  }

  private static String pv(double p) {
    return Double.isNaN(p) ? "—" : p < 1e-4 ? String.format("%.1e", p) : String.format("%.4f", p);
  }

  String csv() {
    StringBuilder b = new StringBuilder("method,checkpoint,steps,temperature,metric,value,ci95_low,ci95_high,"
        + "diff_vs_first,p_paired_t,p_wilcoxon,p_paired_bootstrap\n");
    for (int j = 0; j < entries.size(); j++) {
      Entry e = entries.get(j);
      for (int i = 0; i < metrics.get(j).size(); i++) {
        Metric m = metrics.get(j).get(i);
        double[] p = j == 0 || m.name().startsWith("time") ? new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}
            : paired(j, i);
        b.append(String.join(",", quote(e.label()), quote(e.file().toString()), Integer.toString(e.steps()),
            num(e.temperature()), quote(m.name()), num(m.value()), num(m.lo()), num(m.hi()), num(p[0]), num(p[1]),
            num(p[2]), num(p[3]))).append('\n');
      }
    }
    return b.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Double.toString(v);
  }

  private static String quote(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /** Writes compare.md, compare.csv and the overlaid plot; returns the paths. */
  List<Path> write(Path dir) {
    Map<String, BufferedImage> images = Plots.images();
    boolean cls = entries.get(0).run().classification;
    if (cls) {
      Map<String, UncertaintyMetrics.Calibration> cals = new LinkedHashMap<>();
      for (int j = 0; j < entries.size(); j++) {
        cals.put(entries.get(j).label(), classified.get(j).calibration());
      }
      images.put("reliability", Plots.reliabilityOverlay("reliability on the same " + tasks + " test tasks", cals));
    } else {
      Map<String, double[]> curves = new LinkedHashMap<>();
      for (Entry e : entries) {
        double[] c = e.run().coverageCurve();
        curves.put(String.format("%s (90%%: %.3f)", e.label(), c[17]), c);
      }
      images.put("coverage", Plots.coverage("interval coverage on the same " + tasks + " test tasks",
          PredictiveRun.CURVE_LEVELS, curves));
    }
    String md = markdown();
    String csv = csv();
    List<Path> out = new ArrayList<>(Plots.writeAll(dir, images));
    Path mdFile = dir.resolve("compare.md");
    Path csvFile = dir.resolve("compare.csv");
    AtomicFiles.writeString(mdFile, md);
    AtomicFiles.writeString(csvFile, csv);
    out.add(0, csvFile);
    out.add(0, mdFile);
    return out;
  }
}
