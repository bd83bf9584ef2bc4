package org.bml.algorithms.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.Reptile;
import org.bml.algorithms.predictive.NoiseModel;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Neural processes: the one-point linear closed form, exact gradients, learning, predictive, bad input. */
class NeuralProcessTest {
  private static final SinusoidTasks SINES = new SinusoidTasks(
      new SinusoidTasks.Config(0.5, 2.0, 0.0, Math.PI, 1.0, 1.0, -5.0, 5.0, 0.0, 0.0, 0), 10, 10, DataType.DOUBLE);

  private static Data data(double[][] x, double[][] y) {
    return new Data(Tensor.constant(tensor(x)), Tensor.constant(tensor(y)));
  }

  // [T][n] → [T, n, 1]
  private static INDArray tensor(double[][] v) {
    INDArray a = Nd4j.create(DataType.DOUBLE, v.length, v[0].length, 1);
    for (int t = 0; t < v.length; t++) {
      for (int i = 0; i < v[t].length; i++) {
        a.putScalar(new long[] {t, i, 0}, v[t][i]);
      }
    }
    return a;
  }

  private static double softplus(double u) {
    return Math.log1p(Math.exp(u));
  }

  /**
   * A CNP with a one-point context, a linear encoder and a linear decoder: r = A[x_c, y_c] + a,
   * [μ, u] = W[x, r] + b, σ = 0.1 + 0.9 softplus(u); prediction, variance, NLL and the NLL's
   * gradient in the decoder bias, −(y − μ)/σ² and 1 − (y − μ)²/σ² · σ'/σ, all in closed form.
   */
  @Test
  void oneContextPointLinearCnpHasTheClosedForm() {
    NeuralProcess cnp = new NeuralProcess(NeuralProcess.Variant.CONDITIONAL, 1, 1, 2, new int[0], new int[0]);
    Params meta = cnp.initialize(5, DataType.DOUBLE);
    INDArray encW = meta.get("encoder." + Mlp.weight(0)).value(); // [2, 2]: rows x, y
    INDArray encB = meta.get("encoder." + Mlp.biasName(0)).value(); // [2]
    INDArray decW = meta.get("decoder." + Mlp.weight(0)).value(); // [3, 2]: rows x, r0, r1; cols μ, u
    INDArray decB = meta.get("decoder." + Mlp.biasName(0)).value();
    double xc = 0.7;
    double yc = -1.3;
    double[] xt = {-2.0, 0.4, 3.1};
    double[] yt = {0.5, -0.2, 1.7};
    Data support = data(new double[][] {{xc}}, new double[][] {{yc}});
    Data query = data(new double[][] {xt}, new double[][] {yt});
    double[] r = new double[2];
    for (int j = 0; j < 2; j++) {
      r[j] = encW.getDouble(0, j) * xc + encW.getDouble(1, j) * yc + encB.getDouble(j);
    }
    Params adapted = cnp.adapt(meta, support, 0);
    double[] pred = cnp.predict(adapted, query.x()).value().dup().data().asDouble();
    double[] var = cnp.outputVariance(adapted, query.x()).value().dup().data().asDouble();
    double nll = 0;
    double gradMu = 0;
    double gradU = 0;
    // The meta-loss targets are the context point and the query points.
    double[] xs = {xc, xt[0], xt[1], xt[2]};
    double[] ys = {yc, yt[0], yt[1], yt[2]};
    for (int i = 0; i < xs.length; i++) {
      double mu = decW.getDouble(0, 0) * xs[i] + decW.getDouble(1, 0) * r[0] + decW.getDouble(2, 0) * r[1]
          + decB.getDouble(0);
      double u = decW.getDouble(0, 1) * xs[i] + decW.getDouble(1, 1) * r[0] + decW.getDouble(2, 1) * r[1]
          + decB.getDouble(1);
      double sigma = 0.1 + 0.9 * softplus(u);
      if (i > 0) {
        assertEquals(mu, pred[i - 1], 1e-13);
        assertEquals(sigma * sigma, var[i - 1], 1e-13);
      }
      double d = ys[i] - mu;
      nll += 0.5 * Math.log(2 * Math.PI) + Math.log(sigma) + d * d / (2 * sigma * sigma);
      double dSigma = 0.9 / (1 + Math.exp(-u));
      gradMu += -d / (sigma * sigma);
      gradU += (1 / sigma - d * d / (sigma * sigma * sigma)) * dSigma;
    }
    nll /= xs.length;
    Params vars = meta.asVariables();
    Tensor loss = cnp.metaLoss(vars, support, query);
    assertEquals(nll, loss.item(), 1e-13);
    Tensor g = Autodiff.grad(loss, List.of(vars.get("decoder." + Mlp.biasName(0))), false).get(0);
    assertEquals(gradMu / xs.length, g.value().getDouble(0), 1e-13);
    assertEquals(gradU / xs.length, g.value().getDouble(1), 1e-13);
  }

  private static Function<List<Tensor>, Tensor> loss(MetaLearner np, Params meta, Data support, Data query) {
    List<String> names = meta.names();
    return ts -> np.metaLoss(Params.of(names, ts), support, query, 17L);
  }

  private static List<INDArray> values(Params p) {
    List<INDArray> out = new ArrayList<>();
    p.tensors().forEach(t -> out.add(t.value().dup()));
    return out;
  }

  /** Meta-gradients and Hessian-vector products of both variants match float64 central differences. */
  @Test
  void metaGradientsMatchFiniteDifferences() {
    TaskBatch b = SINES.batch(4, 0, 2);
    Data support = new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
    Data query = new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()));
    for (NeuralProcess.Variant v : NeuralProcess.Variant.values()) {
      NeuralProcess np = new NeuralProcess(v, 1, 1, 3, new int[] {5}, new int[] {5});
      Params meta = np.initialize(2, DataType.DOUBLE);
      List<INDArray> at = values(meta);
      double g = GradientCheck.gradientError(loss(np, meta, support, query), at, 1e-6);
      List<INDArray> dir = new ArrayList<>();
      for (int i = 0; i < at.size(); i++) {
        dir.add(GradientCheck.uniform(30 + i, -1, 1, at.get(i).shape()));
      }
      double h = GradientCheck.hvpError(loss(np, meta, support, query), at, dir, 1e-5);
      assertTrue(g < 1e-7, v + ": gradient relative error " + g);
      assertTrue(h < 1e-6, v + ": Hessian-vector product relative error " + h);
    }
  }

  private static double[] trainedNll(NeuralProcess np) {
    MetaOptimizer opt = new MetaOptimizer(np.initialize(1, DataType.DOUBLE), new Adam(0.01), 0);
    double mseBefore = Evaluation.queryLoss(np, opt.params(), SINES, 99, 24, 24, 0).mean();
    double nllBefore = predictiveNll(np, opt.params());
    MetaTrainer trainer = new MetaTrainer(np, SINES, opt, 8, 3);
    for (int it = 0; it < 200; it++) {
      trainer.step(it);
    }
    double mseAfter = Evaluation.queryLoss(np, opt.params(), SINES, 99, 24, 24, 0).mean();
    return new double[] {mseBefore, mseAfter, nllBefore, predictiveNll(np, opt.params())};
  }

  // Mean predictive NLL per query point on 24 test tasks, 4 hypotheses.
  private static double predictiveNll(NeuralProcess np, Params meta) {
    TaskBatch b = SINES.batch(99, 0, 24);
    Data support = new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
    RegressionPredictive p = Predictives.regression(np, meta, support, Tensor.constant(b.queryX()), 0, 4, 7,
        NoiseModel.learnerVariance());
    double[][][] ld = p.logDensity(Predictives.values(b.queryY(), "y"));
    double s = 0;
    int c = 0;
    for (double[][] task : ld) {
      for (double[] point : task) {
        s -= point[0];
        c++;
      }
    }
    return s / c;
  }

  /** Each variant learns the sinusoid family: query MSE and predictive NLL fall after 200 meta-iterations. */
  @Test
  void bothVariantsLearnSinusoids() {
    for (NeuralProcess.Variant v : NeuralProcess.Variant.values()) {
      NeuralProcess np = new NeuralProcess(v, 1, 1, 16, new int[] {32}, new int[] {32});
      double[] r = trainedNll(np);
      System.out.printf("%s: query MSE %.4f -> %.4f, predictive NLL %.4f -> %.4f%n", v, r[0], r[1], r[2], r[3]);
      assertTrue(r[1] < 0.8 * r[0], v + ": MSE " + r[0] + " -> " + r[1]);
      assertTrue(r[3] < r[2] - 0.2, v + ": NLL " + r[2] + " -> " + r[3]);
    }
  }

  /** With one hypothesis the pointwise predictive is the CNP's own Gaussian: log density = −NLL. */
  @Test
  void predictiveIsTheLearnersGaussian() {
    NeuralProcess cnp = new NeuralProcess(NeuralProcess.Variant.CONDITIONAL, 1, 1, 4, new int[] {6}, new int[] {6});
    Params meta = cnp.initialize(3, DataType.DOUBLE);
    TaskBatch b = SINES.batch(5, 0, 3);
    Data support = new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
    Data query = new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()));
    RegressionPredictive p = Predictives.regression(cnp, meta, support, query.x(), 0, 5, 1,
        NoiseModel.learnerVariance());
    assertEquals(1, p.hypotheses());
    double[][][] ld = p.logDensity(Predictives.values(b.queryY(), "y"));
    double[] nll = cnp.perTaskNll(cnp.adapt(meta, support, 0), query).value().dup().data().asDouble();
    for (int t = 0; t < 3; t++) {
      double s = 0;
      for (double[] point : ld[t]) {
        s -= point[0];
      }
      assertEquals(nll[t], s / ld[t].length, 1e-12);
    }
    // The latent NP's hypotheses are distinct sampled functions, reproducible for a seed.
    NeuralProcess np = new NeuralProcess(NeuralProcess.Variant.LATENT, 1, 1, 4, new int[] {6}, new int[] {6});
    Params m2 = np.initialize(3, DataType.DOUBLE);
    List<Params> a = np.hypotheses(m2, support, 0, 3, 11);
    List<Params> again = np.hypotheses(m2, support, 0, 3, 11);
    assertEquals(3, a.size());
    assertTrue(a.get(0).get(NeuralProcess.SUMMARY).value().equals(again.get(0).get(NeuralProcess.SUMMARY).value()));
    assertTrue(!a.get(0).get(NeuralProcess.SUMMARY).value().equals(a.get(1).get(NeuralProcess.SUMMARY).value()));
  }

  @Test
  void badInputIsRefusedByName() {
    NeuralProcess cnp = new NeuralProcess(NeuralProcess.Variant.CONDITIONAL, 1, 1, 4, new int[] {6}, new int[] {6});
    Params meta = cnp.initialize(3, DataType.DOUBLE);
    TaskBatch b = SINES.batch(5, 0, 2);
    Data support = new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cnp.adapt(meta, support, -1));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
    Data wide = new Data(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 2)),
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3, 1)));
    e = assertThrows(IllegalArgumentException.class, () -> cnp.adapt(meta, wide, 0));
    assertTrue(e.getMessage().contains("x [T, n, 1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> cnp.predict(meta, support.x()));
    assertTrue(e.getMessage().contains(NeuralProcess.SUMMARY), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new NeuralProcess(NeuralProcess.Variant.LATENT, 1, 1, 0, new int[0], new int[0]));
    // A learner without its own variance cannot use the learner-variance noise model.
    Mlp mlp = new Mlp(Activation.TANH, 1, 4, 1);
    Reptile reptile = new Reptile(mlp, Likelihood.meanSquaredError(mlp), 1, 0.1);
    e = assertThrows(IllegalArgumentException.class, () -> Predictives.regression(reptile,
        reptile.initialize(1, DataType.DOUBLE), support, support.x(), 0, 1, 1, NoiseModel.learnerVariance()));
    assertTrue(e.getMessage().contains("GaussianOutputs"), e.getMessage());
  }
}
