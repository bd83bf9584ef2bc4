package org.bml.regularizers;

/**
 * The PAC-Bayes bound of MR-MAML(W) and the β it implies (Yin, Tucker, Zhou, Levine &amp; Finn,
 * ICLR 2020, "Meta-Learning without Memorization", arXiv:1912.03820, §4.2 Theorem 1 and
 * Appendix A.5). For n meta-training tasks with K query (validation) points each and a prior
 * P(θ) chosen before seeing the data, with probability at least 1 − δ, for all Q(θ),
 *
 * <pre>  er(Q) ≤ (1/n) Σᵢ Êᵢ(Q) + (√(1/(2(K−1))) + √(1/(2(n−1)))) · √(KL(Q ‖ P) + log(n(K+1)/δ)).</pre>
 *
 * A first-order Taylor expansion of the square root around KL = 0 turns the complexity term into
 * a constant plus β·KL(Q ‖ P) with
 *
 * <pre>  β = (√(1/(2(K−1))) + √(1/(2(n−1)))) / (2 √(log(n(K+1)/δ))),</pre>
 *
 * which is the MR-MAML(W) objective with P = N(0, I). The bound holds for losses bounded in
 * [0, 1].
 *
 * @param tasks n ≥ 2, the number of meta-training tasks
 * @param queryPoints K ≥ 2, the query points per task
 * @param delta δ in (0, 1]
 */
public record PacBayesBeta(long tasks, long queryPoints, double delta) {
  public PacBayesBeta {
    if (tasks < 2) {
      throw new IllegalArgumentException("PacBayesBeta: need n >= 2 meta-training tasks (the bound divides by n − 1), "
          + "got n = " + tasks);
    }
    if (queryPoints < 2) {
      throw new IllegalArgumentException("PacBayesBeta: need K >= 2 query points per task (the bound divides by "
          + "K − 1), got K = " + queryPoints);
    }
    if (!(delta > 0 && delta <= 1)) {
      throw new IllegalArgumentException("PacBayesBeta: δ must be in (0, 1], got " + delta);
    }
  }

  /** β for n tasks, K query points and confidence 1 − δ. */
  public static double beta(long tasks, long queryPoints, double delta) {
    return new PacBayesBeta(tasks, queryPoints, delta).beta();
  }

  /** √(1/(2(K−1))) + √(1/(2(n−1))), the coefficient of the bound's square root. */
  public double coefficient() {
    return Math.sqrt(1.0 / (2.0 * (queryPoints - 1))) + Math.sqrt(1.0 / (2.0 * (tasks - 1)));
  }

  /** log(n(K+1)/δ) (positive: n(K+1) ≥ 6 and δ ≤ 1). Computed as a sum of logs, so huge n·K cannot overflow. */
  public double logTerm() {
    return Math.log(tasks) + Math.log(queryPoints + 1.0) - Math.log(delta);
  }

  /** The coefficient of KL(Q ‖ P) after linearising the square root at KL = 0. */
  public double beta() {
    return coefficient() / (2.0 * Math.sqrt(logTerm()));
  }

  /**
   * The right-hand side of the bound.
   *
   * @param empiricalError (1/n) Σᵢ Êᵢ(Q), finite
   * @param kl KL(Q ‖ P) ≥ 0, finite
   */
  public double bound(double empiricalError, double kl) {
    Checks.finite("PacBayesBeta", "empirical error", empiricalError);
    if (!(kl >= 0) || !Double.isFinite(kl)) {
      throw new IllegalArgumentException("PacBayesBeta: KL(Q ‖ P) must be finite and >= 0, got " + kl);
    }
    return empiricalError + coefficient() * Math.sqrt(kl + logTerm());
  }
}
