package org.bml.cli;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Meta-test scoring for the command line: adapt to each task's support set once and score its
 * query set by the method's loss (MSE or cross-entropy) and, for classification, by accuracy (the
 * argmax of {@link MetaLearner#predict} against the label). Each is summarised as a mean with a
 * Student-t 95% confidence half-width over tasks, the MAML paper's protocol.
 *
 * <p>Not {@link Evaluation#queryLoss} and {@link Evaluation#queryAccuracy}: each adapts every
 * task again, while here one adaptation per batch serves both, a non-finite loss stops the run
 * ({@link DivergedException}), and a listener sees each finished batch.
 */
final class Scoring {
  private Scoring() {}

  /** Query loss and (classification only, else null) accuracy summaries. */
  record Scores(Evaluation.Summary loss, Evaluation.Summary accuracy) {}

  /** Observes each finished batch (e.g. a progress bar); {@code done} tasks so far. */
  @FunctionalInterface
  interface Listener {
    void tasksDone(long done);
  }

  static Scores evaluate(MetaLearner learner, Params meta, TaskDistribution tasks, long seed, int count, int batch,
      int steps, boolean classification, Listener listener) {
    SummaryStatistics loss = new SummaryStatistics();
    SummaryStatistics acc = new SummaryStatistics();
    Params theta = meta.detach();
    for (int start = 0; start < count; start += batch) {
      int size = Math.min(batch, count - start);
      try (MemoryScope scope = MemoryScope.open("bml-cli-eval")) {
        TaskBatch b = tasks.batch(seed, start, size);
        Data support = Episodes.support(b);
        Data query = Episodes.query(b);
        Params adapted = learner.adapt(theta, support, steps);
        try (GradMode.Scope ng = GradMode.noGrad()) {
          double[] l = learner.perTaskLoss(adapted, query).value().toDoubleVector();
          for (int t = 0; t < l.length; t++) {
            requireFinite(l[t], "query loss", start + t, steps);
            loss.addValue(l[t]);
          }
          if (classification) {
            for (double a : accuracy(learner.predict(adapted, query.x()), query.y())) {
              acc.addValue(a);
            }
          }
        }
      }
      if (listener != null) {
        listener.tasksDone(start + size);
      }
    }
    return new Scores(Evaluation.Summary.of(loss), classification ? Evaluation.Summary.of(acc) : null);
  }

  /** Per-task query losses and (classification only, else null) accuracies, non-finite losses included. */
  record PerTask(double[] loss, double[] accuracy) {}

  /**
   * Like {@link #evaluate} but keeps every task's loss, finite or not, so the caller can screen
   * diverged tasks ({@link org.bml.algorithms.DivergenceScreen}) instead of stopping at the first.
   */
  static PerTask perTask(MetaLearner learner, Params meta, TaskDistribution tasks, long seed, int count, int batch,
      int steps, boolean classification, Listener listener) {
    double[] loss = new double[count];
    double[] acc = classification ? new double[count] : null;
    Params theta = meta.detach();
    for (int start = 0; start < count; start += batch) {
      int size = Math.min(batch, count - start);
      try (MemoryScope scope = MemoryScope.open("bml-cli-eval")) {
        TaskBatch b = tasks.batch(seed, start, size);
        Data support = Episodes.support(b);
        Data query = Episodes.query(b);
        Params adapted = learner.adapt(theta, support, steps);
        try (GradMode.Scope ng = GradMode.noGrad()) {
          double[] l = learner.perTaskLoss(adapted, query).value().toDoubleVector();
          System.arraycopy(l, 0, loss, start, l.length);
          if (classification) {
            double[] a = accuracy(learner.predict(adapted, query.x()), query.y());
            System.arraycopy(a, 0, acc, start, a.length);
          }
        }
      }
      if (listener != null) {
        listener.tasksDone(start + size);
      }
    }
    return new PerTask(loss, acc);
  }

  /** Per-task fraction of query points whose argmax output is the one-hot label's class. */
  static double[] accuracy(Tensor outputs, Tensor oneHot) {
    INDArray predicted = outputs.value().argMax(2);
    INDArray truth = oneHot.value().argMax(2);
    return predicted.eq(truth).castTo(DataType.DOUBLE).mean(1).toDoubleVector();
  }

  private static void requireFinite(double v, String what, long task, int steps) {
    if (!Double.isFinite(v)) {
      throw new DivergedException(what + " is " + v + " on test task " + task + " after " + steps
          + " adaptation step(s)", task);
    }
  }
}
