package org.bml.algorithms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.predictive.ClassificationPredictive;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.algorithms.predictive.UncertaintyMetrics;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.algorithms.predictive.UncertaintyReport;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.Seeds;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskKind;
import org.bml.datasets.TaskSeeds;
import org.bml.inference.Data;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.util.ResizableDoubleArray;

/** Meta-test evaluation: adapt to each test task's support set and score its query set. */
public final class Evaluation {
  private Evaluation() {}

  /** Mean of per-task values with a 95% confidence half-width (Student t; NaN for a single task). */
  public record Summary(double mean, double ci95, long tasks) {
    @Override
    public String toString() {
      return String.format("%.4f ± %.4f (95%% CI, %d tasks)", mean, ci95, tasks);
    }

    /** The mean of the values in {@code stats} and their Student-t 95% half-width t_{0.975, n−1} · s/√n. */
    public static Summary of(SummaryStatistics stats) {
      double half = stats.getN() > 1
          ? new TDistribution(stats.getN() - 1).inverseCumulativeProbability(0.975) * stats.getStandardDeviation()
              / Math.sqrt(stats.getN())
          : Double.NaN;
      return new Summary(stats.getMean(), half, stats.getN());
    }
  }

  /** Receives one batch of test tasks, the first at index {@code start}. */
  @FunctionalInterface
  private interface BatchBody {
    void accept(int start, int size, TaskBatch batch);
  }

  // Tasks [0, count) of the test seed in batches of at most `batch`, each in its own memory scope.
  private static void forEachBatch(TaskDistribution tasks, long seed, int count, int batch, BatchBody body) {
    for (int start = 0; start < count; start += batch) {
      int size = Math.min(batch, count - start);
      try (MemoryScope scope = MemoryScope.open("bml-eval")) {
        body.accept(start, size, tasks.batch(seed, start, size));
      }
    }
  }

  /**
   * Query loss on {@code count} tasks of {@code seeds.test()} (never the training tasks of the same
   * seeds, see {@link TaskSeeds}); otherwise as {@link #queryLoss(MetaLearner, Params, TaskDistribution, long, int, int, int)}.
   */
  public static Summary queryLoss(MetaLearner learner, Params meta, TaskDistribution tasks, TaskSeeds seeds,
      int count, int batch, int steps) {
    return queryLoss(learner, meta, tasks, testSeed(seeds), count, batch, steps);
  }

  /** Query accuracy on {@code count} tasks of {@code seeds.test()}, see {@link TaskSeeds}. */
  public static Summary queryAccuracy(MetaLearner learner, Params meta, TaskDistribution tasks, TaskSeeds seeds,
      int count, int batch, int steps) {
    return queryAccuracy(learner, meta, tasks, testSeed(seeds), count, batch, steps);
  }

  /** Uncertainty metrics on {@code count} tasks of {@code seeds.test()}, see {@link TaskSeeds}. */
  public static UncertaintyReport uncertainty(MetaLearner learner, Params meta, TaskDistribution tasks,
      TaskSeeds seeds, int count, int batch, int steps, UncertaintyOptions options) {
    return uncertainty(learner, meta, tasks, testSeed(seeds), count, batch, steps, options);
  }

  private static long testSeed(TaskSeeds seeds) {
    if (seeds == null) {
      throw new IllegalArgumentException("Evaluation: task seeds must be given");
    }
    return seeds.test();
  }

  /**
   * Query loss after {@code steps} adaptation steps, over tasks {@code 0..count−1} under {@code seed}
   * (a test seed: under the training seed these are the tasks trained on; {@link TaskSeeds#test()}).
   */
  public static Summary queryLoss(MetaLearner learner, Params meta, TaskDistribution tasks, long seed,
      int count, int batch, int steps) {
    SummaryStatistics stats = new SummaryStatistics();
    Params theta = meta.detach();
    forEachBatch(tasks, seed, count, batch, (start, size, b) -> {
      Data support = Episodes.support(b);
      Params adapted = learner.adapt(theta, support, steps);
      Tensor losses;
      try (GradMode.Scope ng = GradMode.noGrad()) {
        losses = learner.perTaskLoss(adapted, Episodes.query(b));
      }
      double[] v = losses.value().toDoubleVector();
      for (double x : v) {
        stats.addValue(x);
      }
    });
    return Summary.of(stats);
  }

  /**
   * Query accuracy of a classifier after {@code steps} adaptation steps: per task, the fraction of
   * query points whose argmax output (lowest index on ties) is the label; mean ± 95% CI over
   * {@code count} tasks of the test seed.
   */
  public static Summary queryAccuracy(MetaLearner learner, Params meta, TaskDistribution tasks, long seed,
      int count, int batch, int steps) {
    checkRun(count, batch, steps);
    if (tasks.kind() != TaskKind.CLASSIFICATION) {
      throw new IllegalArgumentException("Evaluation.queryAccuracy: needs classification tasks, got " + tasks.kind());
    }
    SummaryStatistics stats = new SummaryStatistics();
    Params theta = meta.detach();
    forEachBatch(tasks, seed, count, batch, (start, size, b) -> {
      Params adapted = learner.adapt(theta, Episodes.support(b), steps);
      double[][][] out = Predictives.outputs(learner, List.of(adapted), Tensor.constant(b.queryX()))[0];
      int[][] labels = Predictives.labels(b.queryY());
      for (int t = 0; t < out.length; t++) {
        int right = 0;
        for (int i = 0; i < out[t].length; i++) {
          if (argmax(out[t][i]) == labels[t][i]) {
            right++;
          }
        }
        stats.addValue((double) right / out[t].length);
      }
    });
    return Summary.of(stats);
  }

  /**
   * Uncertainty metrics of the learner's predictive distribution (a mixture over up to
   * {@code options.hypotheses()} sampled task hypotheses, see
   * {@link org.bml.algorithms.predictive.Predictives}) after {@code steps} adaptation steps, over
   * {@code count} tasks of the test seed, in batches of {@code batch} tasks. Regression or
   * classification follows {@link TaskDistribution#kind()}:
   * <ul>
   *   <li>regression: per-task NLL, MSE of the predictive mean, coverage of the central intervals
   *       at {@code options.coverageLevels()}, and, with {@code options.modes()}, mode coverage over
   *       the ambiguous tasks;</li>
   *   <li>classification: per-task NLL, accuracy and Brier score; ECE and MCE over all query points
   *       pooled.</li>
   * </ul>
   * With one hypothesis, the regression MSE equals {@link #queryLoss} of an MSE learner and the
   * classification NLL equals its cross-entropy.
   */
  public static UncertaintyReport uncertainty(MetaLearner learner, Params meta, TaskDistribution tasks, long seed,
      int count, int batch, int steps, UncertaintyOptions options) {
    checkRun(count, batch, steps);
    if (options == null) {
      throw new IllegalArgumentException("Evaluation.uncertainty: options must be given (UncertaintyOptions.defaults)");
    }
    TaskKind kind = tasks.kind();
    boolean regression = kind == TaskKind.REGRESSION;
    if (!regression && options.modes() != null) {
      throw new IllegalArgumentException("Evaluation.uncertainty: mode coverage applies to regression tasks only");
    }
    double[] levels = options.coverageLevels();
    SummaryStatistics nll = new SummaryStatistics();
    SummaryStatistics score = new SummaryStatistics();
    SummaryStatistics brier = new SummaryStatistics();
    SummaryStatistics modes = new SummaryStatistics();
    SummaryStatistics[] cover = new SummaryStatistics[levels.length];
    for (int l = 0; l < levels.length; l++) {
      cover[l] = new SummaryStatistics();
    }
    ResizableDoubleArray confidence = new ResizableDoubleArray();
    ResizableDoubleArray correct = new ResizableDoubleArray();
    int[] maxK = {0}; // a holder: the batch body is a lambda
    Params theta = meta.detach();
    forEachBatch(tasks, seed, count, batch, (start, size, b) -> {
      Data support = Episodes.support(b);
      Tensor qx = Tensor.constant(b.queryX());
      List<Params> hs = Predictives.hypotheses(learner, theta, support, steps, options.hypotheses(),
          Seeds.streamSeed(options.seed(), start));
      maxK[0] = Math.max(maxK[0], hs.size());
      if (regression) {
        RegressionPredictive p = Predictives.regression(learner, hs, support, qx, options.noise());
        double[][][] y = Predictives.values(b.queryY(), "query targets");
        double[][][] logDensity = p.logDensity(y);
        double[][][] mean = p.mean();
        RegressionPredictive.Interval[] intervals = new RegressionPredictive.Interval[levels.length];
        for (int l = 0; l < levels.length; l++) {
          intervals[l] = p.interval(levels[l]);
        }
        for (int t = 0; t < size; t++) {
          double[] yt = UncertaintyMetrics.flatten(y[t]);
          nll.addValue(UncertaintyMetrics.nll(UncertaintyMetrics.flatten(logDensity[t])));
          score.addValue(UncertaintyMetrics.mse(UncertaintyMetrics.flatten(mean[t]), yt));
          for (int l = 0; l < levels.length; l++) {
            cover[l].addValue(UncertaintyMetrics.coverage(UncertaintyMetrics.flatten(intervals[l].lower()[t]),
                UncertaintyMetrics.flatten(intervals[l].upper()[t]), yt));
          }
        }
        if (options.modes() != null) {
          for (double c : modeCoverages(learner, hs, b, options)) {
            if (!Double.isNaN(c)) {
              modes.addValue(c);
            }
          }
        }
      } else {
        ClassificationPredictive p = Predictives.classification(learner, hs, qx);
        int[][] labels = Predictives.labels(b.queryY());
        double[][][] probs = p.probabilities();
        double[][] logProb = p.logProbability(labels);
        int[][] predicted = p.predictedClass();
        for (int t = 0; t < size; t++) {
          nll.addValue(UncertaintyMetrics.nll(logProb[t]));
          score.addValue(UncertaintyMetrics.accuracy(predicted[t], labels[t]));
          brier.addValue(UncertaintyMetrics.brier(probs[t], labels[t]));
          for (int i = 0; i < labels[t].length; i++) {
            // Top-label confidence of the argmax class, the class predictedClass() picked.
            confidence.addElement(Math.min(1.0, probs[t][i][predicted[t][i]]));
            correct.addElement(predicted[t][i] == labels[t][i] ? 1 : 0);
          }
        }
      }
    });
    Map<Double, Summary> coverage = new LinkedHashMap<>();
    if (regression) {
      for (int l = 0; l < levels.length; l++) {
        coverage.put(levels[l], Summary.of(cover[l]));
      }
      return new UncertaintyReport(kind, nll.getN(), maxK[0], Summary.of(nll), Summary.of(score), null, null, null,
          coverage, options.modes() == null ? null : Summary.of(modes));
    }
    double[] right = correct.getElements();
    boolean[] flags = new boolean[right.length];
    for (int i = 0; i < right.length; i++) {
      flags[i] = right[i] == 1;
    }
    UncertaintyMetrics.Calibration calibration =
        UncertaintyMetrics.calibration(confidence.getElements(), flags, options.bins());
    return new UncertaintyReport(kind, nll.getN(), maxK[0], Summary.of(nll), null, Summary.of(score), Summary.of(brier),
        calibration, coverage, null);
  }

  private static void checkRun(int count, int batch, int steps) {
    if (count <= 0) {
      throw new IllegalArgumentException("Evaluation: number of test tasks must be positive, got " + count);
    }
    if (batch <= 0) {
      throw new IllegalArgumentException("Evaluation: batch size must be positive, got " + batch);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("Evaluation: adaptation steps must be >= 0, got " + steps);
    }
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int c = 0; c < v.length; c++) {
      if (Double.isNaN(v[c])) {
        throw new IllegalStateException("Evaluation.queryAccuracy: the learner's output is NaN (class " + c + ")");
      }
      if (v[c] > v[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Mode coverage of each task of a batch by the hypotheses {@code hs} (NaN where the task has no
   * known modes); {@code options.modes()} must be set.
   */
  public static double[] modeCoverages(MetaLearner learner, List<Params> hs, TaskBatch b, UncertaintyOptions options) {
    var grid = options.modes().grid(b);
    double[][][] candidates = options.modes().modes(b, grid);
    double[][][][] onGrid = Predictives.outputs(learner, hs, Tensor.constant(grid));
    double[] out = new double[candidates.length];
    for (int t = 0; t < candidates.length; t++) {
      if (candidates[t] == null) {
        out[t] = Double.NaN;
        continue;
      }
      double[][] hyp = new double[hs.size()][];
      for (int h = 0; h < hyp.length; h++) {
        hyp[h] = UncertaintyMetrics.flatten(onGrid[h][t]);
      }
      out[t] = UncertaintyMetrics.modeCoverage(candidates[t], hyp, options.modeThreshold());
    }
    return out;
  }
}
