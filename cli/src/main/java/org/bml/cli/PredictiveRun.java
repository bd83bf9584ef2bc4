package org.bml.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.ClassificationPredictive;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.algorithms.predictive.TemperatureScaling;
import org.bml.algorithms.predictive.UncertaintyMetrics;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;
import org.bml.inference.Data;

/**
 * The predictive distribution of a checkpoint over sampled task hypotheses, kept per query point
 * (not only pooled, as {@link Evaluation#uncertainty} does), so that plots, temperature scaling
 * and paired comparisons can be computed from one pass over the test tasks:
 * classification keeps every hypothesis' logits and the label of each point; regression keeps
 * each point's log density, squared error of the predictive mean and PIT value F(y) (from which
 * the coverage of a central c-interval is the fraction with |2F(y) − 1| ≤ c), and each task's mode
 * coverage. Hypotheses are drawn with the same seeds as {@link Evaluation#uncertainty}.
 */
final class PredictiveRun {
  /** Nominal levels of the coverage curve: 0.05, 0.10, …, 0.95. */
  static final double[] CURVE_LEVELS = curveLevels();
  static final int BOOTSTRAP = 1000;

  final boolean classification;
  final int tasks;
  final int hypotheses;
  final double secondsPerTask;
  final int[] taskOfPoint;
  // classification
  final double[][][] logits; // [N][k][C]
  final int[] labels;
  // regression
  final double[] logDensity;
  final double[] squaredError;
  final double[] pit;
  final double[] modeCoverage; // per task, NaN when not ambiguous (or no modes)

  private PredictiveRun(boolean classification, int tasks, int hypotheses, double secondsPerTask, int[] taskOfPoint,
      double[][][] logits, int[] labels, double[] logDensity, double[] squaredError, double[] pit,
      double[] modeCoverage) {
    this.classification = classification;
    this.tasks = tasks;
    this.hypotheses = hypotheses;
    this.secondsPerTask = secondsPerTask;
    this.taskOfPoint = taskOfPoint;
    this.logits = logits;
    this.labels = labels;
    this.logDensity = logDensity;
    this.squaredError = squaredError;
    this.pit = pit;
    this.modeCoverage = modeCoverage;
  }

  private static double[] curveLevels() {
    double[] l = new double[19];
    for (int i = 0; i < l.length; i++) {
      l[i] = (i + 1) * 0.05;
    }
    return l;
  }

  /** Runs the learner on tasks {@code [0, count)} of the seed in batches. */
  static PredictiveRun run(MetaLearner learner, Params meta, TaskDistribution dist, long seed, int count, int batch,
      int steps, UncertaintyOptions options) {
    boolean cls = dist.kind() == TaskKind.CLASSIFICATION;
    List<Integer> taskOf = new ArrayList<>();
    List<double[][]> lg = new ArrayList<>();
    List<Integer> lab = new ArrayList<>();
    List<double[]> reg = new ArrayList<>(); // {logDensity, sqErr, pit}
    double[] modes = new double[count];
    Arrays.fill(modes, Double.NaN);
    int maxK = 0;
    Params theta = meta.detach();
    long t0 = System.nanoTime();
    for (int start = 0; start < count; start += batch) {
      int size = Math.min(batch, count - start);
      try (MemoryScope scope = MemoryScope.open("bml-cli-predictive")) {
        TaskBatch b = dist.batch(seed, start, size);
        Data support = Episodes.support(b);
        Tensor qx = Tensor.constant(b.queryX());
        List<Params> hs = Predictives.hypotheses(learner, theta, support, steps, options.hypotheses(),
            Seeds.streamSeed(options.seed(), start));
        maxK = Math.max(maxK, hs.size());
        if (cls) {
          double[][][][] out = Predictives.outputs(learner, hs, qx); // [k][T][n][C]
          int[][] labels = Predictives.labels(b.queryY());
          for (int t = 0; t < size; t++) {
            for (int i = 0; i < labels[t].length; i++) {
              double[][] perH = new double[hs.size()][];
              for (int h = 0; h < hs.size(); h++) {
                perH[h] = out[h][t][i];
              }
              lg.add(perH);
              lab.add(labels[t][i]);
              taskOf.add(start + t);
            }
          }
        } else {
          RegressionPredictive p = Predictives.regression(learner, hs, support, qx, options.noise());
          double[][][] y = Predictives.values(b.queryY(), "query targets");
          double[][][] ld = p.logDensity(y);
          double[][][] mean = p.mean();
          double[][][] cdf = p.cdf(y);
          for (int t = 0; t < size; t++) {
            for (int i = 0; i < y[t].length; i++) {
              for (int o = 0; o < y[t][i].length; o++) {
                double e = mean[t][i][o] - y[t][i][o];
                reg.add(new double[] {ld[t][i][o], e * e, cdf[t][i][o]});
                taskOf.add(start + t);
              }
            }
          }
          if (options.modes() != null) {
            System.arraycopy(Evaluation.modeCoverages(learner, hs, b, options), 0, modes, start, size);
          }
        }
      }
    }
    double perTask = (System.nanoTime() - t0) / 1e9 / count;
    int[] taskOfPoint = taskOf.stream().mapToInt(Integer::intValue).toArray();
    if (cls) {
      return new PredictiveRun(true, count, maxK, perTask, taskOfPoint, lg.toArray(new double[0][][]),
          lab.stream().mapToInt(Integer::intValue).toArray(), null, null, null, null);
    }
    int n = reg.size();
    double[] ld = new double[n];
    double[] se = new double[n];
    double[] pit = new double[n];
    for (int i = 0; i < n; i++) {
      ld[i] = reg.get(i)[0];
      se[i] = reg.get(i)[1];
      pit[i] = reg.get(i)[2];
    }
    return new PredictiveRun(false, count, maxK, perTask, taskOfPoint, null, null, ld, se, pit, modes);
  }

  /** Logits {@code [k][N][C]} pooled over points (every batch must have given the same number of hypotheses). */
  double[][][] pooledLogits() {
    int k = logits[0].length;
    double[][][] out = new double[k][logits.length][];
    for (int i = 0; i < logits.length; i++) {
      if (logits[i].length != k) {
        throw new IllegalStateException("the method gave " + logits[i].length + " hypotheses for some tasks and " + k
            + " for others; temperature scaling needs one number");
      }
      for (int h = 0; h < k; h++) {
        out[h][i] = logits[i][h];
      }
    }
    return out;
  }

  /** Fits a temperature on this run's points (a validation run). */
  TemperatureScaling.Fit fitTemperature() {
    if (!classification) {
      throw new BadInputException("temperature scaling applies to classification only");
    }
    return TemperatureScaling.fit(pooledLogits(), labels);
  }

  /** Classification figures at temperature T (1: none): per point and per task. */
  Classified classified(double temperature) {
    double[][][] scaled = TemperatureScaling.scale(pooledLogits(), temperature);
    double[][][][] asTask = new double[scaled.length][1][][];
    for (int h = 0; h < scaled.length; h++) {
      asTask[h][0] = scaled[h];
    }
    ClassificationPredictive p = new ClassificationPredictive(asTask);
    double[][] probs = p.probabilities()[0];
    int[] predicted = p.predictedClass()[0];
    double[] logProb = p.logProbability(new int[][] {labels})[0];
    int n = labels.length;
    double[] confidence = new double[n];
    boolean[] correct = new boolean[n];
    double[] brier = new double[n];
    for (int i = 0; i < n; i++) {
      confidence[i] = Math.min(1.0, probs[i][predicted[i]]);
      correct[i] = predicted[i] == labels[i];
      double s = 0;
      for (int c = 0; c < probs[i].length; c++) {
        double d = probs[i][c] - (c == labels[i] ? 1 : 0);
        s += d * d;
      }
      brier[i] = s;
    }
    double[] acc = perTask(bool(correct));
    double[] nll = perTask(negate(logProb));
    double[] br = perTask(brier);
    return new Classified(temperature, confidence, correct, acc, nll, br,
        UncertaintyMetrics.calibration(confidence, correct, UncertaintyMetrics.DEFAULT_BINS));
  }

  /** Classification figures: per point confidence and correctness, per task accuracy, NLL, Brier; pooled calibration. */
  record Classified(double temperature, double[] confidence, boolean[] correct, double[] accuracy, double[] nll,
      double[] brier, UncertaintyMetrics.Calibration calibration) {}

  /** Regression: per-task MSE of the predictive mean. */
  double[] perTaskMse() {
    return perTask(squaredError);
  }

  double[] perTaskNll() {
    return perTask(negate(logDensity));
  }

  /** Per-task fraction of query targets inside the central c-interval. */
  double[] perTaskCoverage(double c) {
    double[] in = new double[pit.length];
    for (int i = 0; i < pit.length; i++) {
      in[i] = Math.abs(2 * pit[i] - 1) <= c ? 1 : 0;
    }
    return perTask(in);
  }

  /** Pooled empirical coverage at each of {@link #CURVE_LEVELS}. */
  double[] coverageCurve() {
    double[] out = new double[CURVE_LEVELS.length];
    for (int l = 0; l < out.length; l++) {
      double[] per = perTaskCoverage(CURVE_LEVELS[l]);
      out[l] = Arrays.stream(per).average().orElse(Double.NaN);
    }
    return out;
  }

  /** Mode coverage of the ambiguous tasks only (empty when none). */
  double[] ambiguousModeCoverage() {
    return modeCoverage == null ? new double[0] : Arrays.stream(modeCoverage).filter(v -> !Double.isNaN(v)).toArray();
  }

  /** Per-task mean of a per-point value. */
  double[] perTask(double[] perPoint) {
    double[] sum = new double[tasks];
    int[] n = new int[tasks];
    for (int i = 0; i < perPoint.length; i++) {
      sum[taskOfPoint[i]] += perPoint[i];
      n[taskOfPoint[i]]++;
    }
    for (int t = 0; t < tasks; t++) {
      sum[t] /= n[t];
    }
    return sum;
  }

  /** Mean ± Student-t 95% half-width. */
  static Evaluation.Summary summary(double[] values) {
    SummaryStatistics s = new SummaryStatistics();
    for (double v : values) {
      s.addValue(v);
    }
    return Evaluation.Summary.of(s);
  }

  /**
   * ECE and MCE are pooled over points, not means over tasks: their 95% CI is the percentile
   * bootstrap over tasks ({@value #BOOTSTRAP} resamples, seed {@code seed}), as is the paired
   * bootstrap of {@link #pairedBootstrap}. Returns {ece lo, ece hi, mce lo, mce hi}.
   */
  double[] calibrationInterval(Classified c, long seed) {
    double[][] r = bootstrapCalibration(c, seed);
    return new double[] {percentile(r[0], 2.5), percentile(r[0], 97.5), percentile(r[1], 2.5), percentile(r[1], 97.5)};
  }

  // {ece[], mce[]} over bootstrap resamples of tasks.
  double[][] bootstrapCalibration(Classified c, long seed) {
    int[][] pointsOf = pointsByTask();
    SplittableRandom rng = new SplittableRandom(seed);
    double[] ece = new double[BOOTSTRAP];
    double[] mce = new double[BOOTSTRAP];
    for (int r = 0; r < BOOTSTRAP; r++) {
      int[] pick = new int[tasks];
      for (int t = 0; t < tasks; t++) {
        pick[t] = rng.nextInt(tasks);
      }
      UncertaintyMetrics.Calibration cal = resampledCalibration(c, pointsOf, pick);
      ece[r] = cal.ece();
      mce[r] = cal.mce();
    }
    return new double[][] {ece, mce};
  }

  UncertaintyMetrics.Calibration resampledCalibration(Classified c, int[][] pointsOf, int[] pick) {
    int n = 0;
    for (int t : pick) {
      n += pointsOf[t].length;
    }
    double[] conf = new double[n];
    boolean[] ok = new boolean[n];
    int j = 0;
    for (int t : pick) {
      for (int i : pointsOf[t]) {
        conf[j] = c.confidence()[i];
        ok[j++] = c.correct()[i];
      }
    }
    return UncertaintyMetrics.calibration(conf, ok, UncertaintyMetrics.DEFAULT_BINS);
  }

  int[][] pointsByTask() {
    int[] n = new int[tasks];
    for (int t : taskOfPoint) {
      n[t]++;
    }
    int[][] out = new int[tasks][];
    for (int t = 0; t < tasks; t++) {
      out[t] = new int[n[t]];
    }
    int[] fill = new int[tasks];
    for (int i = 0; i < taskOfPoint.length; i++) {
      out[taskOfPoint[i]][fill[taskOfPoint[i]]++] = i;
    }
    return out;
  }

  /**
   * Paired bootstrap of ECE(a) − ECE(b) over the same tasks (both runs on identical tasks):
   * {mean difference, two-sided p-value of "no difference"} — the p-value is twice the smaller
   * fraction of resampled differences on either side of 0 (at least 1/{@value #BOOTSTRAP}).
   */
  static double[] pairedBootstrap(PredictiveRun ra, Classified a, PredictiveRun rb, Classified b, long seed) {
    int[][] pa = ra.pointsByTask();
    int[][] pb = rb.pointsByTask();
    SplittableRandom rng = new SplittableRandom(seed);
    int below = 0;
    int above = 0;
    for (int r = 0; r < BOOTSTRAP; r++) {
      int[] pick = new int[ra.tasks];
      for (int t = 0; t < pick.length; t++) {
        pick[t] = rng.nextInt(ra.tasks);
      }
      double d = ra.resampledCalibration(a, pa, pick).ece() - rb.resampledCalibration(b, pb, pick).ece();
      if (d <= 0) {
        below++;
      }
      if (d >= 0) {
        above++;
      }
    }
    double p = Math.min(1, 2.0 * Math.max(1, Math.min(below, above)) / BOOTSTRAP);
    return new double[] {a.calibration().ece() - b.calibration().ece(), p};
  }

  static double percentile(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    int i = (int) Math.min(s.length - 1, Math.max(0, Math.round(p / 100 * (s.length - 1))));
    return s[i];
  }

  private static double[] bool(boolean[] b) {
    double[] out = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i] ? 1 : 0;
    }
    return out;
  }

  private static double[] negate(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = -v[i];
    }
    return out;
  }
}
