package org.bml.priors;

import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;

/** Double-precision checks and helpers shared by the Gaussian-prior algebra. */
final class Matrices {
  private Matrices() {}

  /** Relative asymmetry accepted as rounding: products like XᵀX are symmetric only to rounding. */
  static final double SYMMETRY_TOLERANCE = 1e-12;

  /** A symmetrised copy of a square, finite matrix that is symmetric to {@link #SYMMETRY_TOLERANCE}. */
  static RealMatrix symmetric(String what, RealMatrix m) {
    if (!m.isSquare()) {
      throw new IllegalArgumentException(what + " must be square, got " + m.getRowDimension() + "x"
          + m.getColumnDimension());
    }
    requireFinite(what, m);
    int n = m.getRowDimension();
    double scale = 0;
    double asym = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        scale = Math.max(scale, Math.abs(m.getEntry(i, j)));
        asym = Math.max(asym, Math.abs(m.getEntry(i, j) - m.getEntry(j, i)));
      }
    }
    if (asym > SYMMETRY_TOLERANCE * scale) {
      throw new IllegalArgumentException(what + " must be symmetric: max |M_ij − M_ji| = " + asym
          + " for max |M_ij| = " + scale + ": " + m);
    }
    return m.add(m.transpose()).scalarMultiply(0.5);
  }

  static void requireFinite(String what, RealMatrix m) {
    for (int i = 0; i < m.getRowDimension(); i++) {
      for (int j = 0; j < m.getColumnDimension(); j++) {
        if (!Double.isFinite(m.getEntry(i, j))) {
          throw new IllegalArgumentException(what + " has a non-finite entry " + m.getEntry(i, j) + " at (" + i + ", "
              + j + ")");
        }
      }
    }
  }

  static void requireFinite(String what, RealVector v) {
    for (int i = 0; i < v.getDimension(); i++) {
      if (!Double.isFinite(v.getEntry(i))) {
        throw new IllegalArgumentException(what + " has a non-finite entry " + v.getEntry(i) + " at " + i);
      }
    }
  }

  /** Eigendecomposition of a symmetric matrix (eigenvalues in Hipparchus' descending order). */
  static EigenDecompositionSymmetric eigen(RealMatrix symmetric) {
    return new EigenDecompositionSymmetric(symmetric);
  }

  /** V diag(d) Vᵀ. */
  static RealMatrix compose(RealMatrix v, double[] d) {
    return v.multiply(MatrixUtils.createRealDiagonalMatrix(d)).multiplyTransposed(v);
  }

  static double[] map(double[] x, java.util.function.DoubleUnaryOperator f) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = f.applyAsDouble(x[i]);
    }
    return y;
  }
}
