package org.bml.algorithms.predictive;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.algorithms.Evaluation.Summary;
import org.bml.datasets.TaskKind;

/**
 * Uncertainty metrics over test tasks ({@link org.bml.algorithms.Evaluation#uncertainty}): per-task
 * values summarised as mean ± 95% CI over tasks, calibration pooled over all query points. Fields
 * that do not apply to the task kind are null (coverage: empty).
 *
 * @param kind regression or classification
 * @param tasks number of test tasks
 * @param hypotheses the largest number of hypotheses the learner returned for a batch
 * @param nll per-task mean negative log predictive density (regression) or probability (classification)
 * @param mse per-task MSE of the predictive mean (regression)
 * @param accuracy per-task accuracy of the predicted class (classification)
 * @param brier per-task multi-class Brier score (classification)
 * @param calibration ECE/MCE and reliability bins of all query points pooled (classification)
 * @param coverage per level c, the per-task fraction of query targets inside the central c-interval (regression)
 * @param modeCoverage per-task mode coverage over the ambiguous tasks (regression with modes), else null
 */
public record UncertaintyReport(TaskKind kind, long tasks, int hypotheses, Summary nll, Summary mse, Summary accuracy,
    Summary brier, UncertaintyMetrics.Calibration calibration, Map<Double, Summary> coverage, Summary modeCoverage) {
  public UncertaintyReport {
    coverage = Map.copyOf(coverage);
  }

  /**
   * Flat name → value pairs (e.g. for JSON lines): {@code nll}, {@code nll_ci95}, {@code mse},
   * {@code accuracy}, {@code brier}, {@code ece}, {@code mce}, {@code coverage@0.9},
   * {@code mode_coverage}, ... for the metrics that apply.
   */
  public Map<String, Double> figures() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("tasks", (double) tasks);
    m.put("hypotheses", (double) hypotheses);
    put(m, "nll", nll);
    put(m, "mse", mse);
    put(m, "accuracy", accuracy);
    put(m, "brier", brier);
    if (calibration != null) {
      m.put("ece", calibration.ece());
      m.put("mce", calibration.mce());
    }
    coverage.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> put(m, "coverage@" + e.getKey(), e.getValue()));
    put(m, "mode_coverage", modeCoverage);
    if (modeCoverage != null) {
      m.put("mode_coverage_tasks", (double) modeCoverage.tasks());
    }
    return m;
  }

  private static void put(Map<String, Double> m, String name, Summary s) {
    if (s != null) {
      m.put(name, s.mean());
      m.put(name + "_ci95", s.ci95());
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(kind.toString().toLowerCase()).append(", ").append(tasks).append(" tasks, ")
        .append(hypotheses).append(" hypotheses: nll ").append(nll);
    if (mse != null) {
      b.append("; mse ").append(mse);
    }
    if (accuracy != null) {
      b.append("; accuracy ").append(accuracy);
    }
    if (brier != null) {
      b.append("; brier ").append(brier);
    }
    if (calibration != null) {
      b.append(String.format("; ece %.4f, mce %.4f (%d bins)", calibration.ece(), calibration.mce(), calibration.bins()));
    }
    coverage.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> b.append("; coverage@").append(e.getKey()).append(' ').append(e.getValue()));
    if (modeCoverage != null) {
      b.append("; mode coverage ").append(modeCoverage);
    }
    return b.toString();
  }
}
