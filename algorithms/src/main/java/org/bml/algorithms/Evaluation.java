package org.bml.algorithms;

import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.inference.Data;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/** Meta-test evaluation: adapt to each test task's support set and score its query set. */
public final class Evaluation {
  private Evaluation() {}

  /** Mean of per-task query losses with a 95% confidence half-width (Student t). */
  public record Summary(double mean, double ci95, long tasks) {
    @Override
    public String toString() {
      return String.format("%.4f ± %.4f (95%% CI, %d tasks)", mean, ci95, tasks);
    }
  }

  /** Query loss after {@code steps} adaptation steps, over {@code count} tasks of the test seed. */
  public static Summary queryLoss(MetaLearner learner, Params meta, TaskDistribution tasks, long seed,
      int count, int batch, int steps) {
    SummaryStatistics stats = new SummaryStatistics();
    Params theta = meta.detach();
    for (int start = 0; start < count; start += batch) {
      int size = Math.min(batch, count - start);
      try (MemoryScope scope = MemoryScope.open("bml-eval")) {
        TaskBatch b = tasks.batch(seed, start, size);
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
      }
    }
    double half = stats.getN() > 1
        ? new TDistribution(stats.getN() - 1).inverseCumulativeProbability(0.975) * stats.getStandardDeviation() / Math.sqrt(stats.getN())
        : Double.NaN;
    return new Summary(stats.getMean(), half, stats.getN());
  }
}
