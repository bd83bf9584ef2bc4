package org.bml.hierarchical.composed;

import static org.bml.hierarchical.composed.ComposedTestData.grad;
import static org.bml.hierarchical.composed.ComposedTestData.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.LinearGaussianTasks;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * iMAML in float64: the implicit meta-gradient equals the closed form on linear-Gaussian tasks, the
 * unrolled second-order gradient of many steps of the same regularised objective as the inner
 * tolerance shrinks, and central finite differences of the solved query loss on an MLP.
 */
class ImamlTest {
  private static final Mlp MLP = new Mlp(Activation.TANH, 2, 5, 1);
  private static final Likelihood MSE = Likelihood.meanSquaredError(MLP);
  private static final Mlp SMALL = new Mlp(Activation.TANH, 2, 3, 1);
  private static final Likelihood SMALL_MSE = Likelihood.meanSquaredError(SMALL);

  @Test
  void metaGradientOnLinearGaussianTasksEqualsClosedForm() {
    int d = 3;
    int tasks = 4;
    double lambda = 2.0;
    double[][] sigma = {{1.0, 0.3, -0.2}, {0.3, 0.8, 0.1}, {-0.2, 0.1, 1.5}};
    LinearGaussianTasks dist = new LinearGaussianTasks(new double[] {0.5, -1.0, 0.25}, sigma, 0.5, 6, 5,
        DataType.DOUBLE);
    TaskBatch batch = dist.batch(11, 0, tasks);
    Data support = new Data(Tensor.constant(batch.supportX()), Tensor.constant(batch.supportY()));
    Data query = new Data(Tensor.constant(batch.queryX()), Tensor.constant(batch.queryY()));
    Mlp linear = new Mlp(Activation.IDENTITY, false, d, 1);
    Imaml imaml = new Imaml(linear, Likelihood.meanSquaredError(linear),
        new Imaml.Config(lambda, 0.1, 5000, 1e-13, 20, 1e-15));
    double[] theta = {0.2, -0.4, 0.7};
    Params meta = Params.of(List.of(Mlp.weight(0)),
        List.of(Tensor.variable(Nd4j.create(theta, new long[] {d, 1}, DataType.DOUBLE))));
    Tensor loss = imaml.metaLoss(meta, support, query);
    RealVector got = new ArrayRealVector(grad(loss, meta.tensors()).get(0).reshape(d).toDoubleVector());

    // φ* = (2XᵀX/n + λI)⁻¹ (2Xᵀy/n + λθ); ∇θ = (1/T) Σ (I + H/λ)⁻¹ (2/m) X_qᵀ(X_q φ* − y_q), H = 2XᵀX/n.
    RealVector expected = new ArrayRealVector(d);
    double expectedLoss = 0;
    RealVector th = new ArrayRealVector(theta);
    for (int t = 0; t < tasks; t++) {
      RealMatrix xs = matrix(batch.supportX(), t);
      RealVector ys = matrix(batch.supportY(), t).getColumnVector(0);
      RealMatrix xq = matrix(batch.queryX(), t);
      RealVector yq = matrix(batch.queryY(), t).getColumnVector(0);
      int n = xs.getRowDimension();
      RealMatrix h = xs.transpose().multiply(xs).scalarMultiply(2.0 / n);
      RealMatrix a = h.add(MatrixUtils.createRealIdentityMatrix(d).scalarMultiply(lambda));
      RealVector phi = new LUDecomposition(a).getSolver()
          .solve(xs.transpose().operate(ys).mapMultiply(2.0 / n).add(th.mapMultiply(lambda)));
      RealVector residual = xq.operate(phi).subtract(yq);
      expectedLoss += residual.dotProduct(residual) / xq.getRowDimension();
      RealVector gq = xq.transpose().operate(residual).mapMultiply(2.0 / xq.getRowDimension());
      RealMatrix jac = MatrixUtils.createRealIdentityMatrix(d).add(h.scalarMultiply(1 / lambda));
      expected = expected.add(new LUDecomposition(jac).getSolver().solve(gq));
    }
    expected = expected.mapDivide(tasks);
    expectedLoss /= tasks;
    double err = got.subtract(expected).getNorm() / expected.getNorm();
    assertTrue(err <= 1e-10, "iMAML meta-gradient " + got + " vs closed form " + expected + ": rel err " + err);
    assertEquals(expectedLoss, loss.item(), 1e-12 * expectedLoss, "the meta-loss is the query loss at φ*");
  }

  private static RealMatrix matrix(INDArray batch, int task) {
    return new Array2DRowRealMatrix(batch.slice(task).toDoubleMatrix());
  }

  /** ∇θ of the mean query loss at K second-order unrolled steps of L + ½λ‖φ − θ‖² (TGD with the proximal term). */
  private static List<INDArray> unrolled(Params theta, Data support, Data query, double lambda, double step, int k) {
    TruncatedGradientDescent tgd = new TruncatedGradientDescent(k, step, GradientOrder.SECOND).withProximalTerm(lambda);
    Tensor loss = Ops.mean(SMALL_MSE.perTask(tgd.adapt(theta, support, SMALL_MSE, k), query), false);
    return grad(loss, theta.tensors());
  }

  @Test
  void matchesUnrolledGradientAsInnerToleranceShrinks() {
    double lambda = 8.0;
    double alpha = 0.2;
    Data support = regression(31, 2, 5, 2, 1);
    Data query = regression(33, 2, 4, 2, 1);
    Params theta = SMALL.init(5, DataType.DOUBLE);
    // 60 unrolled steps (contraction ≈ 0.4 a step) of the same iteration (step α/(1+αλ)) converge to φ* and their Jacobian to (I + H/λ)⁻¹.
    List<INDArray> reference = unrolled(theta, support, query, lambda, alpha / (1 + alpha * lambda), 60);
    double previous = Double.POSITIVE_INFINITY;
    List<Double> errors = new ArrayList<>();
    for (double tol : new double[] {1e-1, 1e-5, 1e-12}) {
      Imaml imaml = new Imaml(SMALL, SMALL_MSE, new Imaml.Config(lambda, alpha, 10_000, tol, 50, 1e-14));
      double err = GradientCheck.relativeError(grad(imaml.metaLoss(theta, support, query), theta.tensors()),
          reference);
      errors.add(err);
      assertTrue(err < previous, "error must shrink with the tolerance: " + errors);
      previous = err;
    }
    assertTrue(errors.get(0) > 1e-4, "a loose tolerance must be visibly off (else the test is void): " + errors);
    assertTrue(previous <= 1e-9, "iMAML at tolerance 1e-12 vs 60 unrolled steps: " + errors);
  }

  @Test
  void metaGradientMatchesFiniteDifferencesOnAnMlp() {
    Data support = regression(41, 2, 5, 2, 1);
    Data query = regression(43, 2, 4, 2, 1);
    Params theta = SMALL.init(9, DataType.DOUBLE);
    // A fixed step count (tolerance 0) makes the solved loss a smooth function of θ, at ~1e-20 of φ*.
    Imaml imaml = new Imaml(SMALL, SMALL_MSE, new Imaml.Config(8.0, 0.2, 45, 0, 50, 1e-14));
    double err = ComposedTestData.directionalError(p -> imaml.metaLoss(p, support, query), theta, 3, 1e-6, 77);
    assertTrue(err <= 1e-7, "iMAML meta-gradient vs central differences along 3 directions: rel err " + err);
  }

  @Test
  void solveStopsAtTheTolerance() {
    Data support = regression(51, 2, 6, 2, 1);
    Imaml imaml = new Imaml(MLP, MSE, new Imaml.Config(2.0, 0.2, 1000, 1e-6, 5, 1e-10));
    Imaml.Solution s = imaml.solve(MLP.init(3, DataType.DOUBLE), support, 1000);
    assertTrue(s.gradientNorm() <= 1e-6 && s.steps() > 1 && s.steps() < 1000, "solve: " + s.steps() + " steps, ‖∇‖ "
        + s.gradientNorm());
    Imaml.Solution capped = imaml.solve(MLP.init(3, DataType.DOUBLE), support, 2);
    assertEquals(2, capped.steps());
    assertTrue(capped.gradientNorm() > 1e-6);
  }

  @Test
  void badSettingsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Imaml.Config(0, 0.1, 10, 1e-6, 5, 1e-10));
    assertTrue(e.getMessage().contains("λ"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Imaml.Config(1, 0.1, 10, -1, 5, 1e-10));
    assertThrows(IllegalArgumentException.class, () -> new Imaml.Config(1, 0.1, 10, 1e-6, 0, 1e-10));
  }
}
