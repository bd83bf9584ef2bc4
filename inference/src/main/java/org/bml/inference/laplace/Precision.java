package org.bml.inference.laplace;

import java.util.List;
import java.util.random.RandomGenerator;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.RealMatrix;

/**
 * One task's posterior precision H (after damping) in a factored form that gives log det H, draws
 * from N(0, H⁻¹) and, for inspection, the dense matrices. Double precision throughout.
 */
abstract class Precision {
  /** Relative eigenvalue floor below which a precision counts as not positive definite. */
  static final double RELATIVE_FLOOR = 1e-13;

  final int dimension;
  final double damping;

  Precision(int dimension, double damping) {
    this.dimension = dimension;
    this.damping = damping;
  }

  abstract double logDet();

  /** z ~ N(0, H⁻¹), P values in layout order. */
  abstract double[] sample(RandomGenerator rng);

  abstract double[][] precisionMatrix();

  abstract double[][] covarianceMatrix();

  /** λ_min and λ_max (of the damped precision). */
  abstract double[] eigenRange();

  /** The same factors with δ added to every eigenvalue (a change of the isotropic prior precision). */
  abstract Precision shifted(double delta);

  /**
   * Σ_i h_i / (h_i + c) with h_i = max(e_i − base, 0), e_i this precision's eigenvalues: the
   * effective number of parameters (MacKay 1992) when {@code base} is the isotropic part e_i
   * includes and c the one to evaluate.
   */
  abstract double effectiveParameters(double base, double c);

  static double ratio(double e, double base, double c) {
    double h = Math.max(e - base, 0);
    return h == 0 ? 0 : h / (h + c);
  }

  static double[] plus(double[] v, double delta) {
    double[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] += delta;
    }
    return out;
  }

  static double sumRatio(double[] v, double base, double c) {
    double s = 0;
    for (double e : v) {
      s += ratio(e, base, c);
    }
    return s;
  }

  static boolean positive(double min, double max) {
    return min > 0 && min > RELATIVE_FLOOR * Math.abs(max);
  }

  static NotPositiveDefiniteException notPositive(Curvature c, int task, double min, double max, Damping d) {
    double needed = Math.max(-min, 0) + Math.max(RELATIVE_FLOOR * Math.abs(max), 1e-12);
    double suggestion = 2 * needed + d.delta();
    String damp = d.isNone()
        ? "Pass damping, e.g. Damping.whenNeeded(" + String.format("%.3g", suggestion) + ") or Damping.always(...), "
            + "which adds δI to the precision and is reported by LaplacePosterior.damped(task)."
        : "The damping δ = " + d.delta() + " already applied is not enough: use δ ≥ "
            + String.format("%.3g", suggestion) + ".";
    return new NotPositiveDefiniteException("Laplace: the " + c + " curvature of task " + task
        + " is not positive definite (smallest eigenvalue " + min + ", largest " + max
        + "), so N(φ̂, H⁻¹) does not exist: φ̂ may not be a maximum of the log joint (too few steps, a saddle) "
        + "or a direction is flat. " + damp, task, min, suggestion);
  }

  static void requireFinite(Curvature c, int task, double[] values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalStateException("Laplace: the " + c + " curvature of task " + task
            + " has a non-finite entry (" + v + "); check the log-likelihood and prior at the mode");
      }
    }
  }

  // ---------------------------------------------------------------- dense (exact Hessian)

  /** Σ log v_i: the log-determinant from eigenvalues or a diagonal. */
  static double sumOfLogs(double[] values) {
    double s = 0;
    for (double v : values) {
      s += Math.log(v);
    }
    return s;
  }

  /** z_i = ε_i / √v_i with ε standard normal: a draw from N(0, diag(1/v)). */
  static double[] standardNormalOverRoot(RandomGenerator rng, double[] values) {
    double[] z = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      z[i] = rng.nextGaussian() / Math.sqrt(values[i]);
    }
    return z;
  }

  static final class Dense extends Precision {
    private final double[] eigenvalues;
    private final RealMatrix vectors;

    Dense(double[] eigenvalues, RealMatrix vectors, double damping) {
      super(eigenvalues.length, damping);
      this.eigenvalues = eigenvalues;
      this.vectors = vectors;
    }

    /** Symmetric H → eigendecomposition, damping as the policy says, or an error. */
    static Dense of(double[][] h, Curvature c, int task, Damping d) {
      for (double[] row : h) {
        requireFinite(c, task, row);
      }
      int p = h.length;
      double[][] sym = new double[p][p];
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          sym[i][j] = 0.5 * (h[i][j] + h[j][i]);
        }
      }
      EigenDecompositionSymmetric eig = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(sym, false));
      double[] lambda = eig.getEigenvalues().clone();
      double delta = applyDamping(lambda, c, task, d);
      return new Dense(lambda, eig.getV(), delta);
    }

    @Override
    double logDet() {
      return sumOfLogs(eigenvalues);
    }

    @Override
    double[] sample(RandomGenerator rng) {
      return vectors.operate(standardNormalOverRoot(rng, eigenvalues));
    }

    @Override
    double[][] precisionMatrix() {
      return reconstruct(false);
    }

    @Override
    double[][] covarianceMatrix() {
      return reconstruct(true);
    }

    private double[][] reconstruct(boolean inverse) {
      double[][] out = new double[dimension][dimension];
      for (int k = 0; k < dimension; k++) {
        double w = inverse ? 1 / eigenvalues[k] : eigenvalues[k];
        for (int i = 0; i < dimension; i++) {
          double vi = vectors.getEntry(i, k) * w;
          for (int j = 0; j < dimension; j++) {
            out[i][j] += vi * vectors.getEntry(j, k);
          }
        }
      }
      return out;
    }

    @Override
    double[] eigenRange() {
      return range(eigenvalues);
    }

    @Override
    Precision shifted(double delta) {
      return new Dense(plus(eigenvalues, delta), vectors, damping);
    }

    @Override
    double effectiveParameters(double base, double c) {
      return sumRatio(eigenvalues, base, c);
    }
  }

  // ---------------------------------------------------------------- diagonal

  static final class Diagonal extends Precision {
    private final double[] h;

    private Diagonal(double[] h, double damping) {
      super(h.length, damping);
      this.h = h;
    }

    static Diagonal of(double[] diagonal, Curvature c, int task, Damping d) {
      requireFinite(c, task, diagonal);
      double[] h = diagonal.clone();
      double delta = applyDamping(h, c, task, d);
      return new Diagonal(h, delta);
    }

    @Override
    double logDet() {
      return sumOfLogs(h);
    }

    @Override
    double[] sample(RandomGenerator rng) {
      return standardNormalOverRoot(rng, h);
    }

    @Override
    double[][] precisionMatrix() {
      double[][] m = new double[dimension][dimension];
      for (int i = 0; i < dimension; i++) {
        m[i][i] = h[i];
      }
      return m;
    }

    @Override
    double[][] covarianceMatrix() {
      double[][] m = new double[dimension][dimension];
      for (int i = 0; i < dimension; i++) {
        m[i][i] = 1 / h[i];
      }
      return m;
    }

    @Override
    double[] eigenRange() {
      return range(h);
    }

    @Override
    Precision shifted(double delta) {
      return new Diagonal(plus(h, delta), damping);
    }

    @Override
    double effectiveParameters(double base, double c) {
      return sumRatio(h, base, c);
    }
  }

  // ---------------------------------------------------------------- Kronecker-factored blocks

  /**
   * One layer's block A ⊗ G + τ I over its augmented weight, entry (i, o) for input row i (the
   * bias last) and output o, kept as eigendecompositions A = Q_A diag(λ) Q_Aᵀ, G = Q_G diag(μ)
   * Q_Gᵀ: the block's eigenvalues are λ_i μ_j + τ with eigenvectors q_A,i ⊗ q_G,j. A dense weight
   * [in, out] is stored in-major (flat index i·out + o); a convolution's [out, C, k, k] out-major
   * (flat index o·in + i, in = C·k·k).
   */
  static final class KroneckerBlock {
    final int weightOffset;
    final int biasOffset;
    final int in;
    final int out;
    final boolean outMajor;
    final RealMatrix qa;
    final double[] lambda;
    final RealMatrix qg;
    final double[] mu;
    double shift;

    KroneckerBlock(int weightOffset, int biasOffset, int in, int out, boolean outMajor, double[][] a, double[][] g,
        double shift) {
      this.weightOffset = weightOffset;
      this.biasOffset = biasOffset;
      this.in = in;
      this.out = out;
      this.outMajor = outMajor;
      EigenDecompositionSymmetric ea = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(symmetrize(a), false));
      EigenDecompositionSymmetric eg = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(symmetrize(g), false));
      this.qa = ea.getV();
      this.lambda = ea.getEigenvalues();
      this.qg = eg.getV();
      this.mu = eg.getEigenvalues();
      this.shift = shift;
    }

    private KroneckerBlock(KroneckerBlock b, double shift) {
      this.weightOffset = b.weightOffset;
      this.biasOffset = b.biasOffset;
      this.in = b.in;
      this.out = b.out;
      this.outMajor = b.outMajor;
      this.qa = b.qa;
      this.lambda = b.lambda;
      this.qg = b.qg;
      this.mu = b.mu;
      this.shift = shift;
    }

    int rows() {
      return lambda.length;
    }

    /** Flat index of augmented entry (i, o): weight rows first, then the bias row. */
    int index(int i, int o) {
      if (i >= in) {
        return biasOffset + o;
      }
      return outMajor ? weightOffset + o * in + i : weightOffset + i * out + o;
    }

    double eigenvalue(int i, int j) {
      return lambda[i] * mu[j] + shift;
    }
  }

  /**
   * K-FAC: Kronecker blocks, and (for parameters such as batch-norm's scale and shift) diagonal
   * entries h_j at given flat indices; together they must cover every parameter once.
   */
  static final class Kronecker extends Precision {
    private final List<KroneckerBlock> blocks;
    private final int[] diagonalIndex;
    private final double[] diagonal;

    private Kronecker(int dimension, List<KroneckerBlock> blocks, int[] diagonalIndex, double[] diagonal,
        double damping) {
      super(dimension, damping);
      this.blocks = blocks;
      this.diagonalIndex = diagonalIndex;
      this.diagonal = diagonal;
    }

    /**
     * One task's K-FAC precision, damped as the policy says.
     *
     * @param diagonalIndex flat indices of the diagonal entries (none for a dense network)
     * @param diagonal their precisions (data and prior), copied
     */
    static Kronecker of(int dimension, List<KroneckerBlock> blocks, int[] diagonalIndex, double[] diagonal, int task,
        Damping d) {
      if (diagonalIndex.length != diagonal.length) {
        throw new IllegalArgumentException("Kronecker: " + diagonalIndex.length + " diagonal indices for "
            + diagonal.length + " values");
      }
      for (KroneckerBlock b : blocks) {
        requireFinite(Curvature.KFAC, task, b.lambda);
        requireFinite(Curvature.KFAC, task, b.mu);
        requireFinite(Curvature.KFAC, task, new double[] {b.shift});
      }
      requireFinite(Curvature.KFAC, task, diagonal);
      double[] diag = diagonal.clone();
      Kronecker k = new Kronecker(dimension, blocks, diagonalIndex, diag, 0);
      double[] r = k.eigenRange();
      double delta = 0;
      if (!d.isNone() && (!d.onlyWhenNeeded() || !positive(r[0], r[1]))) {
        delta = d.delta();
        for (KroneckerBlock b : blocks) {
          b.shift += delta;
        }
        for (int j = 0; j < diag.length; j++) {
          diag[j] += delta;
        }
        r = k.eigenRange();
      }
      if (!positive(r[0], r[1])) {
        throw notPositive(Curvature.KFAC, task, r[0], r[1], d);
      }
      return new Kronecker(dimension, blocks, diagonalIndex, diag, delta);
    }

    @Override
    double logDet() {
      double s = sumOfLogs(diagonal);
      for (KroneckerBlock b : blocks) {
        for (int i = 0; i < b.lambda.length; i++) {
          for (int j = 0; j < b.mu.length; j++) {
            s += Math.log(b.eigenvalue(i, j));
          }
        }
      }
      return s;
    }

    @Override
    double[] sample(RandomGenerator rng) {
      double[] z = new double[dimension];
      for (KroneckerBlock b : blocks) {
        int rows = b.rows();
        // X = Q_A (Z ⊘ sqrt(λ μᵀ + τ)) Q_Gᵀ has covariance (A ⊗ G + τ I)⁻¹ in row-major vec form.
        double[][] m = new double[rows][b.out];
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < b.out; j++) {
            m[i][j] = rng.nextGaussian() / Math.sqrt(b.eigenvalue(i, j));
          }
        }
        RealMatrix x = b.qa.multiply(new Array2DRowRealMatrix(m, false)).multiplyTransposed(b.qg);
        for (int i = 0; i < rows; i++) {
          for (int o = 0; o < b.out; o++) {
            z[b.index(i, o)] = x.getEntry(i, o);
          }
        }
      }
      // Drawn after the blocks, so a model without diagonal entries draws exactly as before.
      double[] zd = standardNormalOverRoot(rng, diagonal);
      for (int j = 0; j < zd.length; j++) {
        z[diagonalIndex[j]] = zd[j];
      }
      return z;
    }

    @Override
    double[][] precisionMatrix() {
      return reconstruct(false);
    }

    @Override
    double[][] covarianceMatrix() {
      return reconstruct(true);
    }

    private double[][] reconstruct(boolean inverse) {
      double[][] out = new double[dimension][dimension];
      for (KroneckerBlock b : blocks) {
        int rows = b.rows();
        int n = rows * b.out;
        int[] idx = new int[n];
        for (int i = 0; i < rows; i++) {
          for (int o = 0; o < b.out; o++) {
            idx[i * b.out + o] = b.index(i, o);
          }
        }
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < b.out; j++) {
            double w = inverse ? 1 / b.eigenvalue(i, j) : b.eigenvalue(i, j);
            // eigenvector q_A,i ⊗ q_G,j: entry (r, o) = Q_A[r][i] Q_G[o][j]
            double[] v = new double[n];
            for (int r = 0; r < rows; r++) {
              for (int o = 0; o < b.out; o++) {
                v[r * b.out + o] = b.qa.getEntry(r, i) * b.qg.getEntry(o, j);
              }
            }
            for (int p = 0; p < n; p++) {
              double vp = v[p] * w;
              for (int q = 0; q < n; q++) {
                out[idx[p]][idx[q]] += vp * v[q];
              }
            }
          }
        }
      }
      for (int j = 0; j < diagonal.length; j++) {
        out[diagonalIndex[j]][diagonalIndex[j]] = inverse ? 1 / diagonal[j] : diagonal[j];
      }
      return out;
    }

    @Override
    double[] eigenRange() {
      double[] r = diagonal.length == 0
          ? new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY} : range(diagonal);
      double min = r[0];
      double max = r[1];
      for (KroneckerBlock b : blocks) {
        for (int i = 0; i < b.lambda.length; i++) {
          for (int j = 0; j < b.mu.length; j++) {
            double e = b.eigenvalue(i, j);
            min = Math.min(min, e);
            max = Math.max(max, e);
          }
        }
      }
      return new double[] {min, max};
    }

    @Override
    Precision shifted(double delta) {
      List<KroneckerBlock> moved = new java.util.ArrayList<>();
      for (KroneckerBlock b : blocks) {
        moved.add(new KroneckerBlock(b, b.shift + delta));
      }
      return new Kronecker(dimension, moved, diagonalIndex, plus(diagonal, delta), damping);
    }

    @Override
    double effectiveParameters(double base, double c) {
      double s = sumRatio(diagonal, base, c);
      for (KroneckerBlock b : blocks) {
        for (int i = 0; i < b.lambda.length; i++) {
          for (int j = 0; j < b.mu.length; j++) {
            s += ratio(b.eigenvalue(i, j), base, c);
          }
        }
      }
      return s;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Adds δ to the eigenvalues as the policy says; returns the δ applied; throws if still not positive. */
  private static double applyDamping(double[] eigenvalues, Curvature c, int task, Damping d) {
    double[] r = range(eigenvalues);
    double delta = 0;
    if (!d.isNone() && (!d.onlyWhenNeeded() || !positive(r[0], r[1]))) {
      delta = d.delta();
      for (int i = 0; i < eigenvalues.length; i++) {
        eigenvalues[i] += delta;
      }
      r = range(eigenvalues);
    }
    if (!positive(r[0], r[1])) {
      throw notPositive(c, task, r[0], r[1], d);
    }
    return delta;
  }

  static double[] range(double[] v) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return new double[] {min, max};
  }

  static double[][] symmetrize(double[][] m) {
    int n = m.length;
    double[][] s = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        s[i][j] = 0.5 * (m[i][j] + m[j][i]);
      }
    }
    return s;
  }
}
