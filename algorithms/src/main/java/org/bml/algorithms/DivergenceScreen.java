package org.bml.algorithms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/**
 * Honest averages of per-task test losses. A meta-learned initialisation adapted with more steps
 * (or a larger step) than it was trained with can diverge on a few tasks, whose losses (10¹¹ in a
 * PyTorch reference run) then dominate a plain mean. The rule: a task <em>diverged</em> when its
 * loss is not finite or exceeds {@link #DEFAULT_FACTOR} × the median loss of all tasks (the
 * median is robust to a minority of such tasks). The report keeps the median, the count of
 * diverged tasks and the mean over the others, never folding them silently into one number.
 */
public final class DivergenceScreen {
  /** A loss above this multiple of the median loss counts as diverged. */
  public static final double DEFAULT_FACTOR = 1e3;

  private DivergenceScreen() {}

  /**
   * The screened losses.
   *
   * @param all mean ± CI over every task (NaN if a loss is not finite)
   * @param kept mean ± CI over the tasks that did not diverge
   * @param median median of all losses (non-finite ones sort to the top; +∞ for NaN)
   * @param threshold losses above it diverged
   * @param diverged indices of the diverged tasks, ascending
   * @param tasks number of tasks screened
   */
  public record Screened(Evaluation.Summary all, Evaluation.Summary kept, double median, double threshold,
      int[] diverged, int tasks) {
    public int divergedCount() {
      return diverged.length;
    }
  }

  /** Screens per-task losses with {@link #DEFAULT_FACTOR}. */
  public static Screened screen(double[] losses) {
    return screen(losses, DEFAULT_FACTOR);
  }

  /** Screens per-task losses: diverged = not finite, or above {@code factor} × median (factor &gt; 1). */
  public static Screened screen(double[] losses, double factor) {
    if (losses == null || losses.length == 0) {
      throw new IllegalArgumentException("DivergenceScreen: need at least one loss");
    }
    if (!(factor > 1) || !Double.isFinite(factor)) {
      throw new IllegalArgumentException("DivergenceScreen: factor must be finite and > 1, got " + factor);
    }
    double[] sorted = new double[losses.length];
    for (int i = 0; i < losses.length; i++) {
      // NaN sorts as +∞: a task with an undefined loss is at least as bad as an infinite one.
      sorted[i] = Double.isNaN(losses[i]) ? Double.POSITIVE_INFINITY : losses[i];
    }
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    // A zero median (perfect fits) would flag every positive loss: then only non-finite losses diverge.
    double threshold = median > 0 ? factor * median : Double.POSITIVE_INFINITY;
    SummaryStatistics all = new SummaryStatistics();
    SummaryStatistics kept = new SummaryStatistics();
    List<Integer> bad = new ArrayList<>();
    boolean anyNonFinite = false;
    for (int i = 0; i < losses.length; i++) {
      double l = losses[i];
      if (!Double.isFinite(l)) {
        anyNonFinite = true;
        bad.add(i);
        continue;
      }
      all.addValue(l);
      if (l > threshold) {
        bad.add(i);
      } else {
        kept.addValue(l);
      }
    }
    Evaluation.Summary allSummary = Evaluation.Summary.of(all);
    if (anyNonFinite) {
      allSummary = new Evaluation.Summary(Double.NaN, Double.NaN, losses.length);
    }
    return new Screened(allSummary, Evaluation.Summary.of(kept), median, threshold,
        bad.stream().mapToInt(Integer::intValue).toArray(), losses.length);
  }
}
