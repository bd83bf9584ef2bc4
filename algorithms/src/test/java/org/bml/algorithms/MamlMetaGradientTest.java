package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * End-to-end checks of the meta-gradient through the inner loop, in float64: the closed form on
 * linear least squares, finite differences on an MLP, and the Hessian term that FOMAML drops.
 */
class MamlMetaGradientTest {
  private static final int TASKS = 3;
  private static final int DIM = 4;
  private static final int SUPPORT = 6;
  private static final int QUERY = 5;
  private static final double ALPHA = 0.05;

  private static double[][][] random(long seed, int a, int b, int c) {
    INDArray v = GradientCheck.uniform(seed, -1, 1, a, b, c);
    double[][][] out = new double[a][b][c];
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        for (int k = 0; k < c; k++) {
          out[i][j][k] = v.getDouble(i, j, k);
        }
      }
    }
    return out;
  }

  private static Tensor constant(double[][][] v) {
    return Tensor.constant(Nd4j.create(v));
  }

  private static RealVector gradLeastSquares(RealMatrix x, RealVector y, RealVector w) {
    // ∇ (1/n)‖Xw − y‖² = (2/n) Xᵀ(Xw − y)
    return x.transpose().operate(x.operate(w).subtract(y)).mapMultiply(2.0 / x.getRowDimension());
  }

  /** Meta-gradient for y = Xw, L = mean squared error: (1/T) Σ (I − α·2XₛᵀXₛ/n)·∇L_q(w′). */
  private static RealVector closedForm(double[][][] xs, double[][][] ys, double[][][] xq, double[][][] yq,
      double[] w, boolean secondOrder) {
    RealVector total = new ArrayRealVector(DIM);
    for (int t = 0; t < TASKS; t++) {
      RealMatrix sx = new Array2DRowRealMatrix(xs[t]);
      RealVector sy = new Array2DRowRealMatrix(ys[t]).getColumnVector(0);
      RealMatrix qx = new Array2DRowRealMatrix(xq[t]);
      RealVector qy = new Array2DRowRealMatrix(yq[t]).getColumnVector(0);
      RealVector w0 = new ArrayRealVector(w);
      RealVector adapted = w0.subtract(gradLeastSquares(sx, sy, w0).mapMultiply(ALPHA));
      RealVector gq = gradLeastSquares(qx, qy, adapted);
      if (secondOrder) {
        RealMatrix hessian = sx.transpose().multiply(sx).scalarMultiply(2.0 / SUPPORT);
        RealMatrix jac = MatrixUtils.createRealIdentityMatrix(DIM).subtract(hessian.scalarMultiply(ALPHA));
        gq = jac.operate(gq);
      }
      total = total.add(gq);
    }
    return total.mapDivide(TASKS);
  }

  private static double relErr(RealVector a, RealVector b) {
    return a.subtract(b).getNorm() / Math.max(a.getNorm(), b.getNorm());
  }

  private static RealVector metaGradient(GradientOrder order, double[][][] xs, double[][][] ys, double[][][] xq,
      double[][][] yq, double[] w) {
    Mlp linear = new Mlp(Activation.IDENTITY, false, DIM, 1);
    Maml maml = new Maml(linear, Likelihood.meanSquaredError(linear), 1, ALPHA, order);
    Params theta = Params.of(List.of(Mlp.weight(0)), List.of(Tensor.variable(Nd4j.create(w, new long[] {DIM, 1}, DataType.DOUBLE))));
    Tensor loss = maml.metaLoss(theta, new Data(constant(xs), constant(ys)), new Data(constant(xq), constant(yq)));
    Tensor g = Autodiff.grad(loss, theta.get(Mlp.weight(0)), false);
    return new ArrayRealVector(g.value().reshape(DIM).toDoubleVector());
  }

  @Test
  void secondOrderMetaGradientOfLinearLeastSquaresEqualsClosedForm() {
    double[][][] xs = random(1, TASKS, SUPPORT, DIM);
    double[][][] ys = random(2, TASKS, SUPPORT, 1);
    double[][][] xq = random(3, TASKS, QUERY, DIM);
    double[][][] yq = random(4, TASKS, QUERY, 1);
    double[] w = {0.3, -0.2, 0.5, 0.1};
    RealVector expected = closedForm(xs, ys, xq, yq, w, true);
    RealVector actual = metaGradient(GradientOrder.SECOND, xs, ys, xq, yq, w);
    double err = relErr(actual, expected);
    assertTrue(err <= 1e-12, "MAML meta-gradient " + actual + " vs closed form " + expected + ": rel err " + err);
  }

  @Test
  void firstOrderDropsExactlyTheHessianTerm() {
    double[][][] xs = random(11, TASKS, SUPPORT, DIM);
    double[][][] ys = random(12, TASKS, SUPPORT, 1);
    double[][][] xq = random(13, TASKS, QUERY, DIM);
    double[][][] yq = random(14, TASKS, QUERY, 1);
    double[] w = {-0.4, 0.25, 0.05, 0.7};
    RealVector fo = metaGradient(GradientOrder.FIRST, xs, ys, xq, yq, w);
    RealVector so = metaGradient(GradientOrder.SECOND, xs, ys, xq, yq, w);
    RealVector foExpected = closedForm(xs, ys, xq, yq, w, false);
    RealVector soExpected = closedForm(xs, ys, xq, yq, w, true);
    assertTrue(relErr(fo, foExpected) <= 1e-12, "FOMAML " + fo + " vs ∇L_q(w′) " + foExpected);
    // The difference is the Hessian term −(α/T) Σ Hₛ ∇L_q(w′): check it and that it is not negligible.
    RealVector hessianTerm = soExpected.subtract(foExpected);
    RealVector diff = so.subtract(fo);
    assertTrue(relErr(diff, hessianTerm) <= 1e-10, "MAML − FOMAML " + diff + " vs Hessian term " + hessianTerm);
    assertTrue(hessianTerm.getNorm() > 1e-3 * foExpected.getNorm(),
        "the Hessian term must be visible for this test to mean anything: " + hessianTerm.getNorm());
  }

  @Test
  void secondOrderMetaGradientOfMlpMatchesFiniteDifferences() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 5, 5, 1);
    Params init = mlp.init(7, DataType.DOUBLE);
    Data support = new Data(constant(random(21, TASKS, SUPPORT, 2)), constant(random(22, TASKS, SUPPORT, 1)));
    Data query = new Data(constant(random(23, TASKS, QUERY, 2)), constant(random(24, TASKS, QUERY, 1)));
    List<String> names = init.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : init.tensors()) {
      at.add(t.value());
    }
    for (int steps : new int[] {1, 3}) {
      Maml maml = new Maml(mlp, Likelihood.meanSquaredError(mlp), steps, 0.1, GradientOrder.SECOND);
      double err = GradientCheck.gradientError(vars -> maml.metaLoss(Params.of(names, vars), support, query), at, 1e-6);
      assertTrue(err <= 1e-7, steps + "-step MAML meta-gradient vs central differences: rel err " + err);
      Maml fomaml = new Maml(mlp, Likelihood.meanSquaredError(mlp), steps, 0.1, GradientOrder.FIRST);
      List<INDArray> fo = GradientCheck.gradient(vars -> fomaml.metaLoss(Params.of(names, vars), support, query), at);
      List<INDArray> so = GradientCheck.gradient(vars -> maml.metaLoss(Params.of(names, vars), support, query), at);
      assertTrue(GradientCheck.relativeError(fo, so) > 1e-4, "FOMAML must differ from MAML on a curved loss");
    }
  }
}
