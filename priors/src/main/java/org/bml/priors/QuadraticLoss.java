package org.bml.priors;

import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;

/**
 * L(φ) = ½ φᵀHφ − bᵀφ + c with a symmetric positive semi-definite H, in double precision: the
 * loss for which gradient descent has an exact Gaussian-prior interpretation
 * ({@link EarlyStoppingPrior}). Least squares is the standard instance.
 */
public final class QuadraticLoss {
  private final RealMatrix hessian;
  private final RealVector linearTerm;
  private final double constant;

  /**
   * @param hessian H, square and symmetric (to 1e-12 relative; it is symmetrised)
   * @param linearTerm b, of H's dimension
   * @param constant c
   */
  public QuadraticLoss(RealMatrix hessian, RealVector linearTerm, double constant) {
    if (hessian == null || linearTerm == null) {
      throw new IllegalArgumentException("QuadraticLoss: Hessian and linear term must be given");
    }
    this.hessian = Matrices.symmetric("QuadraticLoss: Hessian", hessian);
    if (linearTerm.getDimension() != hessian.getRowDimension()) {
      throw new IllegalArgumentException("QuadraticLoss: linear term has dimension " + linearTerm.getDimension()
          + " but the Hessian is " + hessian.getRowDimension() + "x" + hessian.getColumnDimension());
    }
    Matrices.requireFinite("QuadraticLoss: linear term", linearTerm);
    if (!Double.isFinite(constant)) {
      throw new IllegalArgumentException("QuadraticLoss: constant must be finite, got " + constant);
    }
    this.linearTerm = linearTerm.copy();
    this.constant = constant;
  }

  /**
   * The toolkit's regression loss, the mean squared error (1/n)‖Xw − y‖² of a linear model
   * without bias: H = 2XᵀX/n, b = 2Xᵀy/n, c = yᵀy/n.
   */
  public static QuadraticLoss meanSquaredError(RealMatrix x, RealVector y) {
    if (x == null || y == null) {
      throw new IllegalArgumentException("QuadraticLoss.meanSquaredError: X and y must be given");
    }
    int n = x.getRowDimension();
    if (y.getDimension() != n) {
      throw new IllegalArgumentException("QuadraticLoss.meanSquaredError: X has " + n + " rows but y has "
          + y.getDimension() + " entries");
    }
    Matrices.requireFinite("QuadraticLoss.meanSquaredError: X", x);
    Matrices.requireFinite("QuadraticLoss.meanSquaredError: y", y);
    RealMatrix xt = x.transpose();
    return new QuadraticLoss(xt.multiply(x).scalarMultiply(2.0 / n), xt.operate(y).mapMultiply(2.0 / n),
        y.dotProduct(y) / n);
  }

  public int dimension() {
    return hessian.getRowDimension();
  }

  public RealMatrix hessian() {
    return hessian.copy();
  }

  public RealVector linearTerm() {
    return linearTerm.copy();
  }

  public double constant() {
    return constant;
  }

  public double value(RealVector phi) {
    requireDimension("value", phi);
    return 0.5 * phi.dotProduct(hessian.operate(phi)) - linearTerm.dotProduct(phi) + constant;
  }

  /** ∇L(φ) = Hφ − b. */
  public RealVector gradient(RealVector phi) {
    requireDimension("gradient", phi);
    return hessian.operate(phi).subtract(linearTerm);
  }

  /** The unique minimiser H⁻¹b (the least-squares solution); H must be non-singular. */
  public RealVector minimiser() {
    LUDecomposition lu = new LUDecomposition(hessian);
    if (!lu.getSolver().isNonSingular()) {
      throw new IllegalArgumentException("QuadraticLoss.minimiser: the Hessian is singular, no unique minimiser");
    }
    return lu.getSolver().solve(linearTerm);
  }

  void requireDimension(String where, RealVector phi) {
    if (phi == null || phi.getDimension() != dimension()) {
      throw new IllegalArgumentException("QuadraticLoss." + where + ": φ has dimension "
          + (phi == null ? "null" : phi.getDimension()) + ", the loss " + dimension());
    }
  }

  @Override
  public String toString() {
    return "QuadraticLoss(d=" + dimension() + ", H=" + MatrixUtils.createRealMatrix(hessian.getData()) + ")";
  }
}
