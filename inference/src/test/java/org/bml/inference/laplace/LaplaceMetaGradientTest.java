package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The meta-gradient of the Laplace evidence with respect to θ, through φ̂(θ) = two second-order
 * gradient steps from θ, against central finite differences (float64, ε = 1e-6, relative error
 * below 1e-6) on small nonlinear (tanh) networks, for every curvature. The log-determinant's
 * gradient includes the dependence of the curvature on φ̂, so these would fail if it were a
 * constant (checked: dropping it changes the gradient by far more than the tolerance).
 */
class LaplaceMetaGradientTest {
  static final double TOL = 1e-6;

  static Data regression(int tasks, int n, long seed) {
    INDArray x = GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, 1);
    INDArray y = GradientCheck.uniform(seed + 1, -1, 1, tasks, n, 1);
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  static Data classification(int tasks, int n, int classes, long seed) {
    INDArray x = GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, 2);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, classes);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(t, i, (t + i) % classes, 1.0);
      }
    }
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  static List<INDArray> values(Params p) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      out.add(t.value());
    }
    return out;
  }

  // Σ_tasks of the negative evidence (w = 1) or of the log-determinant alone.
  static Function<List<Tensor>, Tensor> evidence(Mlp mlp, List<String> names, Laplace laplace, Likelihood loss,
      Data d, boolean logDetOnly) {
    return xs -> {
      LaplacePosterior q = laplace.infer(Params.of(names, xs), d, loss);
      return Ops.sum(logDetOnly ? q.logDet() : q.objective(1.0), false);
    };
  }

  void check(Mlp mlp, LogLikelihood ll, Likelihood loss, Data d, Curvature c, PriorFamily prior) {
    Params theta = mlp.init(5, DataType.DOUBLE);
    List<String> names = theta.names();
    Laplace laplace = new Laplace(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND), ll, prior, c,
        Damping.none());
    LaplacePosterior q = laplace.infer(theta, d, loss);
    double[] doubles = q.logDetPrecision();
    double[] tape = q.logDet().value().toDoubleVector();
    for (int t = 0; t < doubles.length; t++) {
      assertEquals(doubles[t], tape[t], 1e-9 * Math.max(1, Math.abs(doubles[t])), c + ": tape log det, task " + t);
    }
    double err = GradientCheck.gradientError(evidence(mlp, names, laplace, loss, d, false), values(theta), 1e-6);
    assertTrue(err < TOL, c + ": evidence meta-gradient relative error " + err);
  }

  @Test
  void regressionEvidenceMetaGradientMatchesFiniteDifferencesForEveryCurvature() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    Data d = regression(2, 4, 11);
    LogLikelihood ll = LogLikelihood.gaussian(DenseNetwork.mlp(mlp, Activation.TANH), 0.5);
    Likelihood loss = Likelihood.meanSquaredError(mlp);
    check(mlp, ll, loss, d, Curvature.DIAGONAL_GGN, PriorFamily.isotropic(2.0));
    check(mlp, ll, loss, d, Curvature.KFAC, PriorFamily.isotropic(2.0));
    check(mlp, ll, loss, d, Curvature.EXACT_HESSIAN, PriorFamily.isotropic(0.1));
  }

  @Test
  void classificationEvidenceMetaGradientMatchesFiniteDifferences() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 3);
    Data d = classification(2, 3, 3, 21);
    LogLikelihood ll = LogLikelihood.categorical(DenseNetwork.mlp(mlp, Activation.TANH));
    Likelihood loss = Likelihood.softmaxCrossEntropy(mlp);
    check(mlp, ll, loss, d, Curvature.DIAGONAL_GGN, PriorFamily.isotropic(1.0));
    check(mlp, ll, loss, d, Curvature.KFAC, PriorFamily.isotropic(1.0));
  }

  @Test
  void theLogDeterminantTermIsNotAConstant() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    Data d = regression(1, 4, 11);
    Params theta = mlp.init(5, DataType.DOUBLE);
    Laplace laplace = new Laplace(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND),
        LogLikelihood.gaussian(DenseNetwork.mlp(mlp, Activation.TANH), 0.5), PriorFamily.isotropic(2.0),
        Curvature.KFAC, Damping.none());
    List<INDArray> g = GradientCheck.gradient(evidence(mlp, theta.names(), laplace, Likelihood.meanSquaredError(mlp), d,
        true), values(theta));
    double norm = 0;
    for (INDArray x : g) {
      norm += x.norm2Number().doubleValue();
    }
    assertTrue(norm > 1e-3, "∇_θ log det H should not vanish on a nonlinear model, got norm " + norm);
  }
}
