package org.bml.algorithms.rl;

/**
 * A batch of rollouts, {@code T} tasks × {@code N} episodes × {@code H} steps: states s_t (before
 * the action), actions a_t (unclipped, as sampled from the policy) and rewards r_t.
 *
 * @param states {@code [T][N][H][2]} ({@code [T][N][H][4]}, [s, g], for a goal-conditioned policy)
 * @param actions {@code [T][N][H][2]}
 * @param rewards {@code [T][N][H]}
 */
public record Trajectories(double[][][][] states, double[][][][] actions, double[][][] rewards) {
  public int tasks() {
    return rewards.length;
  }

  public int episodes() {
    return rewards[0].length;
  }

  public int horizon() {
    return rewards[0][0].length;
  }

  /** Mean undiscounted return per episode of each task, {@code [T]}. */
  public double[] meanReturns() {
    double[] out = new double[tasks()];
    for (int t = 0; t < tasks(); t++) {
      double s = 0;
      for (double[] ep : rewards[t]) {
        for (double r : ep) {
          s += r;
        }
      }
      out[t] = s / episodes();
    }
    return out;
  }
}
