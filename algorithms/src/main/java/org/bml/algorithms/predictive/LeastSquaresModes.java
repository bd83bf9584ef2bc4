package org.bml.algorithms.predictive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;
import org.bml.datasets.TaskBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Task modes for scalar regression ({@code x [n, 1]}, {@code y [n, 1]}) from families of functions
 * linear in their coefficients, f(x) = Σ_j a_j b_j(x): each family's mode is its least-squares fit
 * to the task's support set (QR), evaluated on an evenly spaced grid [lo, hi]. A family is kept as
 * a mode only if it is consistent with the support set, i.e. the root-mean-square residual of its
 * fit is ≤ {@code maxSupportRms}; a task with fewer than two consistent families is not ambiguous.
 *
 * <p>{@link #sineAndLine} gives the two families of the PLATIPUS sine-and-line tasks (Finn, Xu and
 * Levine 2018): A sin(x + b) = (A cos b) sin x + (A sin b) cos x, and a x + c. The fits are
 * unconstrained (amplitude, phase, slope and intercept outside the task distribution's ranges
 * are allowed).
 */
public final class LeastSquaresModes implements TaskModes {
  /** A family of functions with the given basis. */
  public record Family(String name, List<DoubleUnaryOperator> basis) {
    public Family {
      if (basis == null || basis.isEmpty()) {
        throw new IllegalArgumentException("LeastSquaresModes: family " + name + " needs at least one basis function");
      }
      basis = List.copyOf(basis);
    }
  }

  private final List<Family> families;
  private final double lo;
  private final double hi;
  private final int points;
  private final double maxSupportRms;

  public LeastSquaresModes(List<Family> families, double lo, double hi, int points, double maxSupportRms) {
    if (families == null || families.size() < 2) {
      throw new IllegalArgumentException("LeastSquaresModes: need at least two families, got "
          + (families == null ? "null" : families.size()));
    }
    if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
      throw new IllegalArgumentException("LeastSquaresModes: grid range must be finite with lo < hi, got [" + lo + ", "
          + hi + "]");
    }
    if (points < 2) {
      throw new IllegalArgumentException("LeastSquaresModes: grid needs at least 2 points, got " + points);
    }
    if (!(maxSupportRms > 0)) {
      throw new IllegalArgumentException("LeastSquaresModes: maxSupportRms must be > 0 (+∞ allowed), got "
          + maxSupportRms);
    }
    this.families = List.copyOf(families);
    this.lo = lo;
    this.hi = hi;
    this.points = points;
    this.maxSupportRms = maxSupportRms;
  }

  /** Sine and line families on [lo, hi] (the sine-and-line tasks draw x from [−5, 5]). */
  public static LeastSquaresModes sineAndLine(double lo, double hi, int points, double maxSupportRms) {
    return new LeastSquaresModes(List.of(
        new Family("sine", List.of(Math::sin, Math::cos)),
        new Family("line", List.of(x -> x, x -> 1.0))), lo, hi, points, maxSupportRms);
  }

  /** The grid values x_j = lo + j (hi − lo) / (g − 1). */
  public double[] gridValues() {
    double[] g = new double[points];
    for (int j = 0; j < points; j++) {
      g[j] = lo + j * (hi - lo) / (points - 1);
    }
    return g;
  }

  @Override
  public INDArray grid(TaskBatch batch) {
    int t = batch.size();
    double[] g = gridValues();
    double[] buf = new double[t * points];
    for (int i = 0; i < t; i++) {
      System.arraycopy(g, 0, buf, i * points, points);
    }
    return Nd4j.create(buf, new long[] {t, points, 1}, DataType.DOUBLE)
        .castTo(batch.supportX().dataType());
  }

  @Override
  public double[][][] modes(TaskBatch batch, INDArray grid) {
    double[][][] x = Predictives.values(batch.supportX(), "support inputs");
    double[][][] y = Predictives.values(batch.supportY(), "support targets");
    double[][][] gx = Predictives.values(grid, "grid");
    if (x[0][0].length != 1 || y[0][0].length != 1 || gx[0][0].length != 1) {
      throw new IllegalArgumentException("LeastSquaresModes: needs scalar inputs and targets, got x "
          + Arrays.toString(batch.supportX().shape()) + ", y " + Arrays.toString(batch.supportY().shape()));
    }
    double[][][] out = new double[x.length][][];
    for (int t = 0; t < x.length; t++) {
      List<double[]> modes = new ArrayList<>();
      for (Family f : families) {
        double[] coef = fit(f, x[t], y[t]);
        if (rms(f, coef, x[t], y[t]) <= maxSupportRms) {
          double[] m = new double[gx[t].length];
          for (int j = 0; j < m.length; j++) {
            m[j] = eval(f, coef, gx[t][j][0]);
          }
          modes.add(m);
        }
      }
      out[t] = modes.size() >= 2 ? modes.toArray(double[][]::new) : null;
    }
    return out;
  }

  /** Least-squares coefficients of a family on points (x, y), {@code x, y [n][1]}. */
  public static double[] fit(Family f, double[][] x, double[][] y) {
    int n = x.length;
    int p = f.basis().size();
    if (n < p) {
      throw new IllegalArgumentException("LeastSquaresModes: family " + f.name() + " has " + p
          + " coefficients but the support set has only " + n + " points");
    }
    double[][] a = new double[n][p];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        a[i][j] = f.basis().get(j).applyAsDouble(x[i][0]);
      }
      b[i] = y[i][0];
    }
    try {
      RealVector c = new QRDecomposition(new Array2DRowRealMatrix(a, false)).getSolver()
          .solve(new ArrayRealVector(b, false));
      return c.toArray();
    } catch (SingularMatrixException e) {
      throw new IllegalArgumentException("LeastSquaresModes: the support inputs do not determine the "
          + f.name() + " family's coefficients (rank-deficient design)", e);
    }
  }

  private static double eval(Family f, double[] coef, double x) {
    double s = 0;
    for (int j = 0; j < coef.length; j++) {
      s += coef[j] * f.basis().get(j).applyAsDouble(x);
    }
    return s;
  }

  private static double rms(Family f, double[] coef, double[][] x, double[][] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      double d = eval(f, coef, x[i][0]) - y[i][0];
      s += d * d;
    }
    return Math.sqrt(s / x.length);
  }
}
