package org.bml.algorithms.learnedopt;

import org.bml.core.memory.MemoryScope;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An optimizer as a rule that maps (θ_t, ∇f(θ_t)) to θ_{t+1}; {@link #start} gives a fresh run's state. */
public interface UpdateRule {
  /** A short label, e.g. {@code "adam lr=0.1"}. */
  String name();

  /** A new run (its own moment or recurrent state) for θ of the given shape {@code [T, d, 1]}. */
  Run start(long[] thetaShape);

  /** One run of the rule: stateful, not thread-safe. */
  interface Run {
    /** θ_{t+1} from θ_t and the gradient there (neither is modified). */
    INDArray step(INDArray theta, INDArray gradient);
  }

  /** Id of the {@link MemoryScope} each step of {@link #lossCurve} and {@link #trajectory} runs in. */
  String STEP_SCOPE = "bml-l2l-curve-step";

  /**
   * Runs the rule for {@code steps} steps from the problem's θ_0.
   *
   * <p>Each step (gradient, update, loss) runs in one {@link MemoryScope}, so native memory stays
   * flat over long curves; only θ_{t+1} is copied out. The run's own state must therefore be
   * in-place updates of arrays made by {@link UpdateRule#start} or copies that outlive a scope.
   *
   * @return the mean loss over tasks at θ_0 .. θ_steps ({@code steps + 1} values)
   */
  static double[] lossCurve(UpdateRule rule, Optimizee problem, int steps) {
    double[] curve = new double[steps + 1];
    INDArray theta = problem.initial();
    Run run = rule.start(theta.shape());
    try (MemoryScope scope = MemoryScope.open(STEP_SCOPE)) {
      curve[0] = problem.meanLoss(theta);
    }
    for (int t = 1; t <= steps; t++) {
      try (MemoryScope scope = MemoryScope.open(STEP_SCOPE)) {
        INDArray next = run.step(theta, problem.gradient(theta));
        curve[t] = problem.meanLoss(next);
        theta = MemoryScope.keep(next);
      }
    }
    return curve;
  }

  /** θ_0 .. θ_steps under the rule (one {@link MemoryScope} per step, as {@link #lossCurve}). */
  static INDArray[] trajectory(UpdateRule rule, Optimizee problem, int steps) {
    INDArray[] out = new INDArray[steps + 1];
    out[0] = problem.initial();
    Run run = rule.start(out[0].shape());
    for (int t = 1; t <= steps; t++) {
      try (MemoryScope scope = MemoryScope.open(STEP_SCOPE)) {
        out[t] = MemoryScope.keep(run.step(out[t - 1], problem.gradient(out[t - 1])));
      }
    }
    return out;
  }
}
