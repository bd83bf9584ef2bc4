package org.bml.algorithms.rl;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The linear feature baseline of Duan et al. 2016 (used by MAML-RL): per task, a ridge regression
 * of the discounted returns-to-go on features [s, s², t/H, (t/H)², (t/H)³, 1] of that task's
 * batch, and the advantages A_t = G_t − b(s_t, t). Plain double arithmetic: the advantages are
 * constants of the policy-gradient surrogate.
 */
public final class LinearBaseline {
  private static final int FEATURES = 8;
  private final double ridge;

  public LinearBaseline(double ridge) {
    if (!(ridge > 0) || !Double.isFinite(ridge)) {
      throw new IllegalArgumentException("LinearBaseline: ridge must be finite and > 0, got " + ridge);
    }
    this.ridge = ridge;
  }

  /** Discounted returns-to-go G_t = Σ_{k ≥ t} γ^{k−t} r_k, {@code [T][N][H]}. */
  public static double[][][] returnsToGo(double[][][] rewards, double discount) {
    double[][][] g = new double[rewards.length][][];
    for (int t = 0; t < rewards.length; t++) {
      g[t] = new double[rewards[t].length][];
      for (int n = 0; n < rewards[t].length; n++) {
        double[] r = rewards[t][n];
        double[] out = new double[r.length];
        double acc = 0;
        for (int h = r.length - 1; h >= 0; h--) {
          acc = r[h] + discount * acc;
          out[h] = acc;
        }
        g[t][n] = out;
      }
    }
    return g;
  }

  private static double[] features(double[] s, int h, int horizon) {
    double u = h / (double) horizon;
    return new double[] {s[0], s[1], s[0] * s[0], s[1] * s[1], u, u * u, u * u * u, 1};
  }

  /** Advantages G_t − b(s_t, t) with the baseline fitted to each task's batch, {@code [T][N][H]}. */
  public double[][][] advantages(Trajectories batch, double discount) {
    double[][][] g = returnsToGo(batch.rewards(), discount);
    double[][][] adv = new double[batch.tasks()][batch.episodes()][batch.horizon()];
    for (int t = 0; t < batch.tasks(); t++) {
      RealMatrix xtx = new Array2DRowRealMatrix(FEATURES, FEATURES);
      double[] xty = new double[FEATURES];
      for (int n = 0; n < batch.episodes(); n++) {
        for (int h = 0; h < batch.horizon(); h++) {
          double[] f = features(batch.states()[t][n][h], h, batch.horizon());
          for (int i = 0; i < FEATURES; i++) {
            xty[i] += f[i] * g[t][n][h];
            for (int j = 0; j < FEATURES; j++) {
              xtx.addToEntry(i, j, f[i] * f[j]);
            }
          }
        }
      }
      for (int i = 0; i < FEATURES; i++) {
        xtx.addToEntry(i, i, ridge);
      }
      double[] w = new CholeskyDecomposition(xtx, 1e-14, 1e-14).getSolver().solve(new ArrayRealVector(xty)).toArray();
      for (int n = 0; n < batch.episodes(); n++) {
        for (int h = 0; h < batch.horizon(); h++) {
          double[] f = features(batch.states()[t][n][h], h, batch.horizon());
          double b = 0;
          for (int i = 0; i < FEATURES; i++) {
            b += w[i] * f[i];
          }
          adv[t][n][h] = g[t][n][h] - b;
        }
      }
    }
    return adv;
  }
}
