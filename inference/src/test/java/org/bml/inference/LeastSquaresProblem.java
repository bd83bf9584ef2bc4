package org.bml.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.priors.QuadraticLoss;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A generated least-squares task for the early-stopping properties: inputs X (n×d), targets y,
 * a start θ, in float64, with the toolkit's loss L(w) = (1/n)‖Xw − y‖² (H = 2XᵀX/n) on a
 * bias-free linear model. Prints every number, so a shrunk counterexample is self-contained.
 */
record LeastSquaresProblem(double[][] x, double[] y, double[] theta) {
  static final String W = Mlp.weight(0);

  /** Largest accepted condition number of XᵀX: "well-conditioned" for 1e-9 comparisons. */
  static final double MAX_CONDITION = 1e3;

  int n() {
    return x.length;
  }

  int d() {
    return theta.length;
  }

  /** Generated problems with d in 1..6 and n in d+1..d+8, entries of X in [−2, 2], y and θ in [−3, 3]. */
  static Arbitrary<LeastSquaresProblem> arbitrary() {
    return Arbitraries.integers().between(1, 6).flatMap(d -> Arbitraries.integers().between(d + 1, d + 8)
        .flatMap(n -> Combinators.combine(
            values(-2, 2).array(double[].class).ofSize(n * d),
            values(-3, 3).array(double[].class).ofSize(n),
            values(-3, 3).array(double[].class).ofSize(d))
            .as((flatX, y, theta) -> new LeastSquaresProblem(reshape(flatX, n, d), y, theta))))
        .filter(LeastSquaresProblem::wellConditioned);
  }

  private static Arbitrary<Double> values(double lo, double hi) {
    return Arbitraries.doubles().between(lo, hi).ofScale(3);
  }

  private static double[][] reshape(double[] flat, int n, int d) {
    double[][] m = new double[n][d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * d, m[i], 0, d);
    }
    return m;
  }

  boolean wellConditioned() {
    double[] e = new EigenDecompositionSymmetric(loss().hessian()).getEigenvalues();
    double max = Arrays.stream(e).max().orElseThrow();
    double min = Arrays.stream(e).min().orElseThrow();
    return min > 0 && max / min <= MAX_CONDITION;
  }

  QuadraticLoss loss() {
    return QuadraticLoss.meanSquaredError(MatrixUtils.createRealMatrix(x), new ArrayRealVector(y));
  }

  RealVector thetaVector() {
    return new ArrayRealVector(theta);
  }

  double largestCurvature() {
    return Arrays.stream(new EigenDecompositionSymmetric(loss().hessian()).getEigenvalues()).max().orElseThrow();
  }

  double smallestCurvature() {
    return Arrays.stream(new EigenDecompositionSymmetric(loss().hessian()).getEigenvalues()).min().orElseThrow();
  }

  Mlp model() {
    return new Mlp(Activation.IDENTITY, false, d(), 1);
  }

  Likelihood likelihood() {
    return Likelihood.meanSquaredError(model());
  }

  /** One task: x [1, n, d], y [1, n, 1], float64 constants. */
  Data data() {
    return new Data(Tensor.constant(Nd4j.createFromArray(new double[][][] {x})),
        Tensor.constant(Nd4j.createFromArray(y).reshape(1, n(), 1)));
  }

  /** θ as the model's parameters, {@code layer0.weight [d, 1]}, a float64 constant. */
  Params thetaParams() {
    return Params.of(List.of(W), List.of(Tensor.constant(Nd4j.createFromArray(theta).reshape(d(), 1))));
  }

  /** The single task's adapted weight vector from per-task parameters {@code [1, d, 1]}. */
  static RealVector weights(Params phi) {
    return new ArrayRealVector(phi.get(W).value().dup('c').data().asDouble());
  }

  static String format(double[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.17g", v[i]));
    }
    return b.append(']').toString();
  }

  static String format(RealVector v) {
    return format(v.toArray());
  }

  static String format(RealMatrix m) {
    StringBuilder b = new StringBuilder();
    for (double[] row : m.getData()) {
      b.append("\n      ").append(format(row));
    }
    return b.toString();
  }

  static double relativeError(RealVector a, RealVector b, RealVector scale) {
    double denominator = Math.max(Math.max(a.getNorm(), b.getNorm()), scale.getNorm());
    return denominator == 0 ? 0 : a.subtract(b).getNorm() / denominator;
  }

  @Override
  public String toString() {
    return "LeastSquaresProblem(n=" + n() + ", d=" + d() + ")\n    X =" + format(MatrixUtils.createRealMatrix(x))
        + "\n    y = " + format(y) + "\n    θ = " + format(theta);
  }
}
