package org.bml.algorithms.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.predictive.NoiseModel;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.LinearGaussianOracle;
import org.bml.datasets.synthetic.LinearGaussianTasks;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Deep kernel transfer: the linear-kernel oracle, exact meta-gradients, learning, bad input. */
class DeepKernelTransferTest {
  private static final SinusoidTasks SINES = new SinusoidTasks(
      new SinusoidTasks.Config(0.5, 2.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0), 10, 10, DataType.DOUBLE);

  private static Data support(TaskBatch b) {
    return new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
  }

  private static Data query(TaskBatch b) {
    return new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()));
  }

  /**
   * With identity features and the linear kernel s² uᵀv, the GP is Bayesian linear regression with
   * prior N(0, s² I) and noise σ²: its posterior predictive (mean and variance per point) and its log
   * marginal likelihood equal the closed form of {@link LinearGaussianOracle}.
   */
  @Test
  void linearKernelPosteriorIsBayesianLinearRegression() {
    int d = 3;
    double s2 = 0.7;
    double noiseStd = 0.4;
    double[][] sigma = new double[d][d];
    for (int i = 0; i < d; i++) {
      sigma[i][i] = s2;
    }
    LinearGaussianOracle oracle = new LinearGaussianOracle(new double[d], sigma, noiseStd);
    LinearGaussianTasks tasks = new LinearGaussianTasks(oracle, 5, 7, DataType.DOUBLE);
    DeepKernelTransfer dkt = new DeepKernelTransfer(new Mlp(Activation.RELU, false, d, d),
        DeepKernelTransfer.Kernel.LINEAR, noiseStd * noiseStd, s2, 1);
    Params meta = dkt.initialize(1, DataType.DOUBLE)
        .with(DeepKernelTransfer.FEATURES + Mlp.weight(0), Tensor.constant(Nd4j.eye(d).castTo(DataType.DOUBLE)));
    TaskBatch b = tasks.batch(8, 0, 4);
    Params adapted = dkt.adapt(meta, support(b), 0);
    INDArray mean = dkt.predict(adapted, query(b).x()).value();
    INDArray var = dkt.outputVariance(adapted, query(b).x()).value();
    Data all = new Data(Tensor.constant(Nd4j.concat(1, b.supportX(), b.queryX())),
        Tensor.constant(Nd4j.concat(1, b.supportY(), b.queryY())));
    INDArray nlml = dkt.perTaskNegativeLogMarginal(meta, all).value();
    for (int t = 0; t < 4; t++) {
      double[][] sx = b.supportX().slice(t).toDoubleMatrix();
      double[] sy = b.supportY().slice(t).dup().data().asDouble();
      LinearGaussianOracle.Posterior post = oracle.posterior(sx, sy);
      double[][] qx = b.queryX().slice(t).toDoubleMatrix();
      for (int i = 0; i < qx.length; i++) {
        LinearGaussianOracle.Predictive p = post.predict(qx[i]);
        assertEquals(p.mean(), mean.getDouble(t, i, 0), 1e-11, "mean, task " + t + ", point " + i);
        assertEquals(p.variance(), var.getDouble(t, i, 0), 1e-11, "variance, task " + t + ", point " + i);
      }
      double[][] ax = all.x().value().slice(t).toDoubleMatrix();
      double[] ay = all.y().value().slice(t).dup().data().asDouble();
      assertEquals(-oracle.logMarginalLikelihood(ax, ay) / ax.length, nlml.getDouble(t), 1e-11, "evidence, task " + t);
    }
  }

  /** Meta-gradients and Hessian-vector products (through the Cholesky) match float64 central differences. */
  @Test
  void metaGradientsMatchFiniteDifferences() {
    TaskBatch b = SINES.batch(4, 0, 2);
    for (DeepKernelTransfer.Kernel k : DeepKernelTransfer.Kernel.values()) {
      DeepKernelTransfer dkt = new DeepKernelTransfer(new Mlp(Activation.TANH, 1, 4, 3), k, 0.2, 1.0, 1.0);
      Params meta = dkt.initialize(2, DataType.DOUBLE);
      List<String> names = meta.names();
      Function<List<Tensor>, Tensor> f = ts -> dkt.metaLoss(Params.of(names, ts), support(b), query(b));
      List<INDArray> at = new ArrayList<>();
      List<INDArray> dir = new ArrayList<>();
      for (Tensor t : meta.tensors()) {
        at.add(t.value().dup());
        dir.add(GradientCheck.uniform(40 + dir.size(), -1, 1, t.value().shape()));
      }
      double g = GradientCheck.gradientError(f, at, 1e-6);
      double h = GradientCheck.hvpError(f, at, dir, 1e-5);
      assertTrue(g < 1e-7, k + ": gradient relative error " + g);
      assertTrue(h < 1e-6, k + ": Hessian-vector product relative error " + h);
    }
  }

  /** Meta-training on sinusoids lowers both the query MSE and the predictive NLL of the exact posterior. */
  @Test
  void learnsSinusoids() {
    DeepKernelTransfer dkt = new DeepKernelTransfer(new Mlp(Activation.RELU, 1, 16, 16), DeepKernelTransfer.Kernel.RBF,
        0.1, 1.0, 1.0);
    MetaOptimizer opt = new MetaOptimizer(dkt.initialize(1, DataType.DOUBLE), new Adam(0.01), 0);
    double mseBefore = Evaluation.queryLoss(dkt, opt.params(), SINES, 99, 24, 24, 0).mean();
    double nllBefore = nll(dkt, opt.params());
    MetaTrainer trainer = new MetaTrainer(dkt, SINES, opt, 8, 3);
    for (int it = 0; it < 100; it++) {
      trainer.step(it);
    }
    double mseAfter = Evaluation.queryLoss(dkt, opt.params(), SINES, 99, 24, 24, 0).mean();
    double nllAfter = nll(dkt, opt.params());
    System.out.printf("DKT: query MSE %.4f -> %.4f, predictive NLL %.4f -> %.4f%n", mseBefore, mseAfter, nllBefore,
        nllAfter);
    assertTrue(mseAfter < 0.7 * mseBefore, "MSE " + mseBefore + " -> " + mseAfter);
    assertTrue(nllAfter < nllBefore - 0.2, "NLL " + nllBefore + " -> " + nllAfter);
  }

  private static double nll(DeepKernelTransfer dkt, Params meta) {
    TaskBatch b = SINES.batch(99, 0, 24);
    RegressionPredictive p = Predictives.regression(dkt, meta, support(b), Tensor.constant(b.queryX()), 0, 1, 7,
        NoiseModel.learnerVariance());
    double s = 0;
    int c = 0;
    for (double[][] task : p.logDensity(Predictives.values(b.queryY(), "y"))) {
      for (double[] point : task) {
        s -= point[0];
        c++;
      }
    }
    return s / c;
  }

  @Test
  void badInputIsRefusedByName() {
    DeepKernelTransfer dkt = new DeepKernelTransfer(new Mlp(Activation.TANH, 1, 4, 3), DeepKernelTransfer.Kernel.RBF,
        0.2, 1.0, 1.0);
    Params meta = dkt.initialize(2, DataType.DOUBLE);
    TaskBatch b = SINES.batch(4, 0, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dkt.adapt(meta, support(b), -1));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> dkt.predict(meta, query(b).x()));
    assertTrue(e.getMessage().contains("support"), e.getMessage());
    Data oneHot = new Data(support(b).x(), Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 10, 5)));
    e = assertThrows(IllegalArgumentException.class, () -> dkt.adapt(meta, oneHot, 0));
    assertTrue(e.getMessage().contains("regression"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DeepKernelTransfer(new Mlp(Activation.TANH, 1, 4), DeepKernelTransfer.Kernel.RBF, 0, 1, 1));
    assertTrue(e.getMessage().contains("noise variance"), e.getMessage());
  }
}
