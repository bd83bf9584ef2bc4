package org.bml.algorithms.rl;

import java.util.SplittableRandom;

/**
 * 2-D point navigation (Finn et al. 2017, §5.3, after the authors' rllab {@code PointEnvRandGoal}):
 * the state is the point's position s ∈ ℝ², starting at the origin; an action a ∈ ℝ² is clipped
 * to [−{@value #MAX_STEP}, {@value #MAX_STEP}] per coordinate and moves the point, s' = s + clip(a);
 * the reward is −‖s' − g‖ for the task's goal g, drawn uniformly from [−0.5, 0.5]². Episodes have
 * a fixed horizon (no early termination, so every batch is a rectangular array). Deterministic
 * given the actions; goals are a function of (seed, index). Immutable.
 */
public final class PointNavigation {
  /** Largest move per step and coordinate. */
  public static final double MAX_STEP = 0.1;
  /** Goals are uniform in [−GOAL_RANGE, GOAL_RANGE]². */
  public static final double GOAL_RANGE = 0.5;

  private final int horizon;

  public PointNavigation(int horizon) {
    if (horizon <= 0) {
      throw new IllegalArgumentException("PointNavigation: horizon must be positive, got " + horizon);
    }
    this.horizon = horizon;
  }

  public int horizon() {
    return horizon;
  }

  /** The goal of task {@code index} under {@code seed}: a reproducible point of [−0.5, 0.5]². */
  public static double[] goal(long seed, long index) {
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    return new double[] {rng.nextDouble(-GOAL_RANGE, GOAL_RANGE), rng.nextDouble(-GOAL_RANGE, GOAL_RANGE)};
  }

  /** clip(a) per coordinate. */
  public static double clip(double a) {
    if (Double.isNaN(a)) {
      throw new IllegalArgumentException("PointNavigation: action is NaN");
    }
    return Math.max(-MAX_STEP, Math.min(MAX_STEP, a));
  }

  /** The next state s + clip(a) (a new array). */
  public static double[] step(double[] s, double[] a) {
    if (s.length != 2 || a.length != 2) {
      throw new IllegalArgumentException("PointNavigation: state and action must be 2-D, got " + s.length + " and "
          + a.length);
    }
    return new double[] {s[0] + clip(a[0]), s[1] + clip(a[1])};
  }

  /** −‖s' − g‖. */
  public static double reward(double[] next, double[] goal) {
    return -Math.hypot(next[0] - goal[0], next[1] - goal[1]);
  }
}
