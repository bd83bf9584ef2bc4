package org.bml.algorithms.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.algorithms.Conv4Embedding;
import org.bml.algorithms.predictive.ClassificationPredictive;
import org.bml.algorithms.predictive.Predictives;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deep kernel transfer for classification: the Bayesian-linear-regression oracle, exact
 * meta-gradients through the Cholesky factor, the predictive interface, bad input. (Learning on
 * Gaussian-blob episodes: {@code org.bml.algorithms.DktClassifierLearningTest}.)
 */
class DktClassifierTest {
  private static final int WAYS = 3;

  /** x uniform in [−1, 1] {@code [T, n, d]}, labels i mod C one-hot {@code [T, n, C]} (every class present). */
  private static Data episode(long seed, int tasks, int perClass, int d) {
    int n = perClass * WAYS;
    INDArray x = GradientCheck.uniform(seed, -1, 1, tasks, n, d);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, WAYS);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new long[] {t, i, (i + t) % WAYS}, 1.0);
      }
    }
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  private static RealMatrix matrix(INDArray a) {
    return new Array2DRowRealMatrix(a.toDoubleMatrix());
  }

  /**
   * With identity features and the linear kernel s² uᵀv, each class's GP is Bayesian linear
   * regression of its ±1 targets with prior w ~ N(0, s² I) and noise σ²: the posterior mean at x is
   * xᵀ (XᵀX + σ²/s² I)⁻¹ Xᵀ t_c (Hipparchus), and the meta-loss is Σ_c −log N(t_c; 0, s² X Xᵀ + σ² I) / n
   * over the episode, mean over tasks.
   */
  @Test
  void linearKernelPosteriorMeanIsBayesianLinearRegression() {
    int d = 4;
    double s2 = 0.7;
    double noise = 0.3;
    double tau = 0.5;
    DktClassifier dkt = new DktClassifier(new Mlp(Activation.RELU, false, d, d), DktClassifier.Kernel.LINEAR, noise,
        s2, 1, tau);
    Params meta = dkt.initialize(1, DataType.DOUBLE)
        .with(DeepKernelTransfer.FEATURES + Mlp.weight(0), Tensor.constant(Nd4j.eye(d).castTo(DataType.DOUBLE)));
    Data support = episode(3, 2, 2, d);
    Data query = episode(4, 2, 3, d);
    INDArray logits = dkt.predict(dkt.adapt(meta, support, 0), query.x()).value();
    double loss = dkt.metaLoss(meta, support, query).item();
    double expectedLoss = 0;
    for (int t = 0; t < 2; t++) {
      RealMatrix xs = matrix(support.x().value().slice(t));
      RealMatrix ts = matrix(support.y().value().slice(t)).scalarMultiply(2).scalarAdd(-1);
      RealMatrix a = xs.transpose().multiply(xs).add(MatrixUtils.createRealIdentityMatrix(d).scalarMultiply(noise / s2));
      RealMatrix w = new CholeskyDecomposition(a).getSolver().solve(xs.transpose().multiply(ts)); // [d, C]
      RealMatrix mean = matrix(query.x().value().slice(t)).multiply(w);
      for (int i = 0; i < mean.getRowDimension(); i++) {
        for (int c = 0; c < WAYS; c++) {
          assertEquals(mean.getEntry(i, c) / tau, logits.getDouble(t, i, c), 1e-10,
              "posterior mean / τ, task " + t + ", point " + i + ", class " + c);
        }
      }
      RealMatrix xa = matrix(Nd4j.concat(0, support.x().value().slice(t), query.x().value().slice(t)));
      RealMatrix ta = matrix(Nd4j.concat(0, support.y().value().slice(t), query.y().value().slice(t)))
          .scalarMultiply(2).scalarAdd(-1);
      int n = xa.getRowDimension();
      RealMatrix k = xa.multiply(xa.transpose()).scalarMultiply(s2)
          .add(MatrixUtils.createRealIdentityMatrix(n).scalarMultiply(noise));
      CholeskyDecomposition chol = new CholeskyDecomposition(k);
      double logDet = Math.log(chol.getDeterminant());
      for (int c = 0; c < WAYS; c++) {
        RealVector tc = new ArrayRealVector(ta.getColumn(c));
        double quad = tc.dotProduct(chol.getSolver().solve(tc));
        expectedLoss += (0.5 * quad + 0.5 * logDet + 0.5 * n * Math.log(2 * Math.PI)) / n / 2;
      }
    }
    assertEquals(expectedLoss, loss, 1e-10 * Math.abs(expectedLoss), "meta-loss: summed per-class evidence");
  }

  private static void checkGradient(DktClassifier dkt, Params meta, Data support, Data query, double tol) {
    List<String> names = meta.names();
    Function<List<Tensor>, Tensor> f = ts -> dkt.metaLoss(Params.of(names, ts), support, query);
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : meta.tensors()) {
      at.add(t.value().dup());
    }
    double g = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(g < tol, dkt.kernel() + ": gradient relative error " + g);
  }

  /**
   * The meta-gradient w.r.t. the feature weights and the kernel's log hyperparameters (s², ℓ, σ²)
   * matches float64 central differences for every kernel (through the Cholesky factor on the tape).
   */
  @Test
  void metaGradientMatchesFiniteDifferences() {
    Data support = episode(5, 2, 1, 3);
    Data query = episode(6, 2, 2, 3);
    for (DktClassifier.Kernel k : DktClassifier.Kernel.values()) {
      DktClassifier dkt = new DktClassifier(new Mlp(Activation.TANH, 3, 5, 4), k, 0.2, 1.3, 0.8, 1);
      Params meta = dkt.initialize(2, DataType.DOUBLE);
      assertTrue(meta.has(DeepKernelTransfer.LOG_NOISE) && meta.has(DeepKernelTransfer.LOG_OUTPUTSCALE));
      checkGradient(dkt, meta, support, query, 1e-7);
    }
  }

  /** The same check through the project's Conv-4 body (a small one: 4 filters, 16×16 images). */
  @Test
  void metaGradientThroughConv4MatchesFiniteDifferences() {
    DktClassifier dkt = new DktClassifier(new Conv4Embedding(new Conv4(1, 4, 16, WAYS)), DktClassifier.Kernel.COSINE,
        0.1, 1, 1, 1);
    Params meta = dkt.initialize(3, DataType.DOUBLE);
    Data s = episode(7, 1, 1, 1);
    Data q = episode(8, 1, 2, 1);
    Data support = new Data(Tensor.constant(GradientCheck.uniform(9, 0, 1, 1, WAYS, 1, 16, 16)), s.y());
    Data query = new Data(Tensor.constant(GradientCheck.uniform(10, 0, 1, 1, 2 * WAYS, 1, 16, 16)), q.y());
    checkGradient(dkt, meta, support, query, 1e-6);
  }

  /** Predictive probabilities through the project's interface are softmax(μ / τ), one hypothesis. */
  @Test
  void predictiveIsTheSoftmaxOfThePosteriorMeans() {
    DktClassifier dkt = new DktClassifier(new Mlp(Activation.TANH, 3, 5, 4), DktClassifier.Kernel.RBF, 0.2, 1, 1, 0.25);
    Params meta = dkt.initialize(4, DataType.DOUBLE);
    Data support = episode(11, 2, 1, 3);
    Data query = episode(12, 2, 2, 3);
    ClassificationPredictive p = Predictives.classification(dkt, meta, support, query.x(), 0, 5, 1);
    double[][][] probs = p.probabilities();
    INDArray logits = dkt.predict(dkt.adapt(meta, support, 0), query.x()).value();
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < probs[t].length; i++) {
        double z = 0;
        for (int c = 0; c < WAYS; c++) {
          z += Math.exp(logits.getDouble(t, i, c));
        }
        for (int c = 0; c < WAYS; c++) {
          assertEquals(Math.exp(logits.getDouble(t, i, c)) / z, probs[t][i][c], 1e-12);
        }
      }
    }
  }

  @Test
  void badInputIsRefusedByName() {
    DktClassifier dkt = new DktClassifier(new Mlp(Activation.TANH, 3, 4), DktClassifier.Kernel.COSINE, 0.2, 1, 1, 1);
    Params meta = dkt.initialize(1, DataType.DOUBLE);
    Data support = episode(1, 2, 1, 3);
    Data query = episode(2, 2, 2, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dkt.adapt(meta, support, -1));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> dkt.predict(meta, query.x()));
    assertTrue(e.getMessage().contains("support"), e.getMessage());
    Data regression = new Data(support.x(), Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 1)));
    e = assertThrows(IllegalArgumentException.class, () -> dkt.metaLoss(meta, regression, query));
    assertTrue(e.getMessage().contains("at least 2 classes"), e.getMessage());
    Data notOneHot = new Data(support.x(), Tensor.constant(Nd4j.ones(DataType.DOUBLE, 2, 3, WAYS)));
    e = assertThrows(IllegalArgumentException.class, () -> dkt.adapt(meta, notOneHot, 0));
    assertTrue(e.getMessage().contains("one-hot"), e.getMessage());
    Data fourWays = new Data(Tensor.constant(GradientCheck.uniform(3, -1, 1, 2, 4, 3)),
        Tensor.constant(Nd4j.eye(4).castTo(DataType.DOUBLE).reshape(1, 4, 4).repeat(0, 2)));
    e = assertThrows(IllegalArgumentException.class, () -> dkt.metaLoss(meta, support, fourWays));
    assertTrue(e.getMessage().contains("different numbers of classes"), e.getMessage());
    Data wide = new Data(Tensor.constant(GradientCheck.uniform(4, -1, 1, 2, 6, 5)), query.y());
    e = assertThrows(IllegalArgumentException.class, () -> dkt.predict(dkt.adapt(meta, support, 0), wide.x()));
    assertTrue(e.getMessage().contains("do not match the support inputs"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DktClassifier(new Mlp(Activation.TANH, 3, 4), DktClassifier.Kernel.RBF, 0.2, 1, 1, 0));
    assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DktClassifier(new Mlp(Activation.TANH, 3, 4), null, 0.2, 1, 1, 1));
    assertTrue(e.getMessage().contains("kernel"), e.getMessage());
  }
}
