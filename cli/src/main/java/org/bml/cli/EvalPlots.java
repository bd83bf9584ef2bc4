package org.bml.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.GaussianOutputs;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.FunctionInfo;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What {@code eval --plots DIR} draws: for classification a reliability diagram and a confidence
 * histogram; for 1-d regression a hypothesis fan of the first {@value #FAN_TASKS} test tasks and
 * the coverage curve; and, when the checkpoint's run directory has a {@code metrics.jsonl}, its
 * learning curves. A regression method with a single point-estimate hypothesis per task has no fan to
 * draw: that is refused before anything is written; one with per-point Gaussian outputs (CNP, DKT)
 * draws its one function and its predictive bands.
 */
final class EvalPlots {
  static final int FAN_TASKS = 4;
  static final int FAN_GRID = 200;
  private static final Pattern NUMBER = Pattern.compile("\"(\\w+)\":(-?[0-9.eE+-]+|NaN|-?Infinity)");

  private EvalPlots() {}

  /** The hypothesis fan of the first {@value #FAN_TASKS} tasks of the seed; refuses a method without hypotheses. */
  static BufferedImage fan(String title, MetaLearner learner, Params meta, TaskDistribution dist, long seed, int steps,
      UncertaintyOptions options, String method) {
    if (options.hypotheses() < 2) {
      throw new BadInputException("the hypothesis fan needs --samples of at least 2, got " + options.hypotheses());
    }
    List<Plots.FanTask> panels = new ArrayList<>();
    Params theta = meta.detach();
    try (MemoryScope scope = MemoryScope.open("bml-cli-fan")) {
      TaskBatch b = dist.batch(seed, 0, FAN_TASKS);
      if (b.supportX().rank() != 3 || b.supportX().size(2) != 1) {
        throw new BadInputException("the hypothesis fan needs 1-d regression inputs; " + method + "'s tasks have inputs "
            + Arrays.toString(b.supportX().shape()));
      }
      Data support = Episodes.support(b);
      List<Params> hs = Predictives.hypotheses(learner, theta, support, steps, options.hypotheses(),
          Seeds.streamSeed(options.seed(), 0));
      // A learner with per-point Gaussian outputs (CNP, DKT) has one deterministic function per task but
      // still a predictive band around it: draw that; only a point estimate without one is refused.
      if (hs.size() < 2 && !(learner instanceof GaussianOutputs)) {
        throw new BadInputException("--plots: " + method + " has no task hypotheses to draw (it returns one point "
            + "estimate per task); the hypothesis fan needs a method that samples them (platipus, bmaml, emaml, llama, np) or predicts a "
            + "Gaussian per point (cnp, dkt)");
      }
      double[][] sx = b.supportX().castTo(DataType.DOUBLE).reshape(FAN_TASKS, -1).toDoubleMatrix();
      double[][] sy = b.supportY().castTo(DataType.DOUBLE).reshape(FAN_TASKS, -1).toDoubleMatrix();
      double[][] qx = b.queryX().castTo(DataType.DOUBLE).reshape(FAN_TASKS, -1).toDoubleMatrix();
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (double[][] a : new double[][][] {sx, qx}) {
        for (double[] r : a) {
          for (double v : r) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
      double[] grid = new double[FAN_GRID];
      double[] all = new double[FAN_TASKS * FAN_GRID];
      for (int i = 0; i < FAN_GRID; i++) {
        grid[i] = lo + (hi - lo) * i / (FAN_GRID - 1);
      }
      for (int t = 0; t < FAN_TASKS; t++) {
        System.arraycopy(grid, 0, all, t * FAN_GRID, FAN_GRID);
      }
      Tensor x = Tensor.constant(Nd4j.create(all, new long[] {FAN_TASKS, FAN_GRID, 1}, b.supportX().dataType()));
      RegressionPredictive p = Predictives.regression(learner, hs, support, x, options.noise());
      double[][][][] f = p.predictions(); // [k][T][g][1]
      double[][][] mean = p.mean();
      double[][][] q05 = p.quantile(0.05);
      double[][][] q25 = p.quantile(0.25);
      double[][][] q75 = p.quantile(0.75);
      double[][][] q95 = p.quantile(0.95);
      for (int t = 0; t < FAN_TASKS; t++) {
        double[] truth = null;
        if (b.info().get(t) instanceof FunctionInfo fi) {
          truth = new double[FAN_GRID];
          for (int i = 0; i < FAN_GRID; i++) {
            truth[i] = fi.trueFunction().applyAsDouble(grid[i]);
          }
        }
        double[][] hyp = new double[hs.size()][FAN_GRID];
        for (int h = 0; h < hs.size(); h++) {
          for (int i = 0; i < FAN_GRID; i++) {
            hyp[h][i] = f[h][t][i][0];
          }
        }
        panels.add(new Plots.FanTask(grid, truth, hyp, column(mean[t]), column(q05[t]), column(q25[t]),
            column(q75[t]), column(q95[t]), sx[t], sy[t]));
      }
    }
    return Plots.fan(title, panels);
  }

  private static double[] column(double[][] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i][0];
    }
    return out;
  }

  /** The images of a predictive run (reliability + histogram, or coverage curve). */
  static void addRunPlots(Map<String, BufferedImage> images, String what, PredictiveRun run, double temperature) {
    if (run.classification) {
      PredictiveRun.Classified c = run.classified(temperature);
      String label = temperature == 1 ? what : what + String.format(" (T = %.3f)", temperature);
      images.put("reliability", Plots.reliability(label, c.calibration()));
      double meanConf = Arrays.stream(c.confidence()).average().orElse(Double.NaN);
      double acc = Arrays.stream(c.accuracy()).average().orElse(Double.NaN);
      images.put("confidence-histogram", Plots.confidenceHistogram(label, c.calibration(), meanConf, acc));
    } else {
      double[] curve = run.coverageCurve();
      double at90 = curve[17];
      Map<String, double[]> m = new LinkedHashMap<>();
      m.put(what, curve);
      images.put("coverage", Plots.coverage(String.format("%s: interval coverage, 90%% interval covers %.3f", what, at90),
          PredictiveRun.CURVE_LEVELS, m));
    }
  }

  /** Learning curves from a run's {@code metrics.jsonl}, or null when there is none. */
  static BufferedImage learningCurves(String what, Path metrics) {
    if (!Files.isRegularFile(metrics)) {
      return null;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(metrics, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadInputException("cannot read " + metrics + ": " + e.getMessage(), e);
    }
    List<double[]> train = new ArrayList<>();
    List<double[]> val = new ArrayList<>();
    List<double[]> valAcc = new ArrayList<>();
    for (String line : lines) {
      Map<String, Double> f = new LinkedHashMap<>();
      Matcher m = NUMBER.matcher(line);
      while (m.find()) {
        f.put(m.group(1), Double.parseDouble(m.group(2)));
      }
      Double it = f.get("iteration");
      if (it == null) {
        continue;
      }
      if (line.contains("\"event\":\"validation\"")) {
        if (f.containsKey("val_loss")) {
          val.add(new double[] {it, f.get("val_loss")});
        }
        if (f.containsKey("val_accuracy")) {
          valAcc.add(new double[] {it, f.get("val_accuracy")});
        }
      } else if (f.containsKey("loss_avg")) {
        train.add(new double[] {it, f.get("loss_avg")});
      }
    }
    if (train.isEmpty()) {
      return null;
    }
    Map<String, double[][]> first = new LinkedHashMap<>();
    first.put("training loss (running mean over the log window)", columns(train));
    Map<String, double[][]> second = new LinkedHashMap<>();
    String secondAxis;
    String headline;
    if (!valAcc.isEmpty()) {
      second.put("validation accuracy", columns(valAcc));
      secondAxis = "validation accuracy";
      headline = String.format("final validation accuracy %.2f%%", 100 * valAcc.get(valAcc.size() - 1)[1]);
    } else if (!val.isEmpty()) {
      second.put("validation query loss", columns(val));
      secondAxis = "validation query loss";
      headline = String.format("final validation loss %.4f", val.get(val.size() - 1)[1]);
    } else {
      secondAxis = "";
      headline = String.format("final training loss %.4f", train.get(train.size() - 1)[1]);
    }
    return Plots.learningCurves(what + ": learning curves, " + headline, first, second, secondAxis);
  }

  private static double[][] columns(List<double[]> rows) {
    double[][] out = new double[2][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      out[0][i] = rows.get(i)[0];
      out[1][i] = rows.get(i)[1];
    }
    return out;
  }
}
