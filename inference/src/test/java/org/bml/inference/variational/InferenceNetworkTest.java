package org.bml.inference.variational;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.LinearGaussianOracle;
import org.bml.inference.Data;
import org.bml.inference.GaussianPrior;
import org.bml.inference.LogLikelihood;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The inference-network amortization (Deep Sets encoder, VERSA-style): invariance to the order of
 * the support points (jqwik), the ELBO's gradient with respect to the network's weights and θ
 * against central differences, training on linear-Gaussian tasks moves toward the exact posterior of a
 * diagonal design (recovering it is {@link InferenceNetworkSoakTest}, under {@code -Psoak}), the
 * head-only (fixed feature) variant, and bad input. Float64 throughout.
 */
class InferenceNetworkTest {
  private static final String W0 = Mlp.weight(0);
  private static final String B0 = Mlp.biasName(0);
  private static final String W1 = Mlp.weight(1);
  private static final String B1 = Mlp.biasName(1);

  static Data regression(long seed, int tasks, int n) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -2, 2, tasks, n, 1)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, n, 1)));
  }

  // A tanh MLP 1-3-1 whose head (layer 1) is amortized; the decoder's last layer made non-zero so that
  // every weight matters (initialize() zeroes it).
  static Params randomized(InferenceNetwork net, Params theta, long seed) {
    Params w = net.initialize(seed, DataType.DOUBLE);
    Params out = theta;
    int i = 0;
    for (String n : w.names()) {
      INDArray v = w.get(n).value();
      out = out.with(n, Tensor.variable(v.add(GradientCheck.uniform(seed + 31L * i++, -0.3, 0.3, v.shape())), n));
    }
    return out;
  }

  @Property(tries = 40, seed = "20190101")
  void thePosteriorDoesNotDependOnTheOrderOfTheSupportPoints(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 2, max = 7) int points, @ForAll long seed) {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    InferenceNetwork net = InferenceNetwork.deepSets(mlp, List.of(W1, B1), 2, 5, 4, -1.0);
    Params theta = randomized(net, mlp.init(seed, DataType.DOUBLE), seed);
    Data d = regression(seed, tasks, points);
    // the same permutation of the points in every task
    SplittableRandom rng = new SplittableRandom(seed);
    int[] perm = new int[points];
    for (int i = 0; i < points; i++) {
      perm[i] = i;
    }
    for (int i = points - 1; i > 0; i--) {
      int k = rng.nextInt(i + 1);
      int tmp = perm[i];
      perm[i] = perm[k];
      perm[k] = tmp;
    }
    Data shuffled = new Data(Ops.gather(d.x(), 1, perm), Ops.gather(d.y(), 1, perm));
    DiagonalGaussianPosterior a = net.infer(theta, d, null);
    DiagonalGaussianPosterior b = net.infer(theta, shuffled, null);
    for (String n : List.of(W1, B1)) {
      assertArrayEquals(flat(a.mean().get(n)), flat(b.mean().get(n)), 1e-12, "μ of " + n + ", permutation "
          + java.util.Arrays.toString(perm));
      assertArrayEquals(flat(a.logStd(n)), flat(b.logStd(n)), 1e-12, "log σ of " + n);
    }
    // The rest of φ is θ's, the same for every task, in the mode and in every sample.
    for (String n : List.of(W0, B0)) {
      for (int t = 0; t < tasks; t++) {
        assertArrayEquals(flat(theta.get(n)), flat(Ops.slice(a.sample(5).get(n), 0, t, t + 1)), 0.0, n);
        assertArrayEquals(flat(theta.get(n)), flat(Ops.slice(a.mode().get(n), 0, t, t + 1)), 0.0, n);
      }
    }
  }

  private static double elboGradientError(List<String> amortized) {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    InferenceNetwork net = InferenceNetwork.deepSets(mlp, amortized, 2, 4, 3, -1.0);
    Params theta = randomized(net, mlp.init(3, DataType.DOUBLE), 11);
    List<String> names = theta.names();
    Data d = regression(5, 2, 5);
    List<INDArray> at = new ArrayList<>();
    for (String n : names) {
      at.add(theta.get(n).value());
    }
    Function<List<Tensor>, Tensor> elbo = vars -> {
      Params th = Params.of(names, vars);
      DiagonalGaussianPosterior q = net.infer(th, d, null);
      GaussianPrior prior = GaussianPrior.isotropic(net.amortizedMean(th), 0.7);
      return Ops.sum(Elbo.estimate(q, prior, LogLikelihood.gaussian(mlp, 0.5), d, 3, 7), false);
    };
    return GradientCheck.gradientError(elbo, at, 1e-6);
  }

  @Test
  void theElboGradientInTheNetworkWeightsAndThetaMatchesFiniteDifferences() {
    // Through the encoder, the mean pooling, the decoder, 3 reparameterised draws (seed 7) and the
    // closed-form KL; ε = 1e-6, relative error ≤ 1e-7. All of φ amortized, then the head only (the
    // first layer then reaches the ELBO through the likelihood as a fixed parameter).
    double all = elboGradientError(null);
    assertTrue(all <= 1e-7, "all amortized: relative error " + all);
    double head = elboGradientError(List.of(W1, B1));
    assertTrue(head <= 1e-7, "head amortized: relative error " + head);
  }

  // ------------------------------------------------------------------ linear-Gaussian oracle

  private static final double[] THETA = {0.5, -1.0};
  private static final double[] PRIOR_VAR = {1.0, 0.5};
  private static final double NOISE = 0.5;
  private static final int REPEATS = 2;

  /**
   * Tasks φ ~ N(θ, diag s²), y_i = x_iᵀφ + ε with one-hot x_i, each coordinate observed twice in a
   * shuffled order: XᵀX = 2I, so the exact posterior is diagonal (in the family), with variances
   * 1/(1/s_j² + 2/σ²) and a mean linear in the y of each coordinate.
   */
  static Data diagonalDesign(SplittableRandom rng, int tasks) {
    int d = THETA.length;
    int n = REPEATS * d;
    double[][][] x = new double[tasks][n][d];
    double[][][] y = new double[tasks][n][1];
    for (int t = 0; t < tasks; t++) {
      double[] phi = new double[d];
      for (int j = 0; j < d; j++) {
        phi[j] = THETA[j] + Math.sqrt(PRIOR_VAR[j]) * rng.nextGaussian();
      }
      int[] coord = new int[n];
      for (int i = 0; i < n; i++) {
        coord[i] = i % d;
      }
      for (int i = n - 1; i > 0; i--) {
        int k = rng.nextInt(i + 1);
        int tmp = coord[i];
        coord[i] = coord[k];
        coord[k] = tmp;
      }
      for (int i = 0; i < n; i++) {
        x[t][i][coord[i]] = 1;
        y[t][i][0] = phi[coord[i]] + NOISE * rng.nextGaussian();
      }
    }
    return new Data(Tensor.constant(Nd4j.createFromArray(x)), Tensor.constant(Nd4j.createFromArray(y)));
  }

  /** [RMS error of μ, max error of μ in posterior standard deviations, max relative error of σ²]. */
  static double[] errors(InferenceNetwork net, Params theta, Data test) {
    LinearGaussianOracle oracle = new LinearGaussianOracle(THETA, new double[][] {{PRIOR_VAR[0], 0}, {0, PRIOR_VAR[1]}},
        NOISE);
    DiagonalGaussianPosterior q = net.infer(theta, test, null);
    INDArray mu = q.mean().get(W0).value();
    INDArray logStd = q.logStd(W0).value();
    double sq = 0;
    double maxMu = 0;
    double maxVar = 0;
    int count = 0;
    for (int t = 0; t < test.tasks(); t++) {
      LinearGaussianOracle.Posterior p = oracle.posterior(test.x().value().slice(t), test.y().value().slice(t));
      for (int j = 0; j < THETA.length; j++) {
        double err = mu.getDouble(t, j, 0) - p.mean()[j];
        double var = p.covariance()[j][j];
        sq += err * err;
        count++;
        maxMu = Math.max(maxMu, Math.abs(err) / Math.sqrt(var));
        maxVar = Math.max(maxVar, Math.abs(Math.exp(2 * logStd.getDouble(t, j, 0)) / var - 1));
      }
    }
    return new double[] {Math.sqrt(sq / count), maxMu, maxVar};
  }

  /**
   * Trains only the inference network on linear-Gaussian tasks of a diagonal design (φ ∈ R², bias-free
   * linear model, θ and s² fixed): tanh h 3-32-32, ρ 32-32-4, c = −1; Adam, learning rate 0.02 decaying
   * exponentially to 2e-4 over the iterations, {@code tasksPerStep} fresh tasks each (seed 2), ELBO with 2
   * reparameterised draws (seed = iteration). Returns {@link #errors} on 50 fresh test tasks (seed 99)
   * before (indices 0-2) and after (3-5) training.
   */
  static double[] trainOnDiagonalDesign(int iterations, int tasksPerStep) {
    Mlp linear = new Mlp(Activation.IDENTITY, false, 2, 1);
    InferenceNetwork net = new InferenceNetwork(linear, null, new Mlp(Activation.TANH, 3, 32, 32),
        new Mlp(Activation.TANH, 32, 32, 4), -1.0);
    Params theta = Params.of(List.of(W0), List.of(Tensor.constant(Nd4j.createFromArray(THETA).reshape(2, 1))));
    GaussianPrior prior = new GaussianPrior(theta, Params.of(List.of(W0),
        List.of(Tensor.constant(Nd4j.createFromArray(Math.log(PRIOR_VAR[0]), Math.log(PRIOR_VAR[1])).reshape(2, 1)))));
    LogLikelihood ll = LogLikelihood.gaussian(linear, NOISE);
    MetaOptimizer opt = new MetaOptimizer(net.initialize(2, DataType.DOUBLE),
        new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 0.02, Math.pow(0.01, 1.0 / iterations))), 0);
    Data test = diagonalDesign(new SplittableRandom(99), 50);
    double[] before = errors(net, theta.withAll(opt.params()), test);
    SplittableRandom rng = new SplittableRandom(2);
    for (int it = 0; it < iterations; it++) {
      Params w = opt.params();
      Data batch = diagonalDesign(rng, tasksPerStep);
      DiagonalGaussianPosterior q = net.infer(theta.withAll(w), batch, null);
      Tensor loss = Ops.neg(Ops.mean(Elbo.estimate(q, prior, ll, batch, 2, it), false));
      opt.step(Autodiff.grad(loss, w.tensors(), false));
    }
    double[] after = errors(net, theta.withAll(opt.params()), test);
    return new double[] {before[0], before[1], before[2], after[0], after[1], after[2]};
  }

  /**
   * The unit suite's short version of {@link InferenceNetworkSoakTest} (1,500 iterations of 128 tasks, to
   * the oracle's tight bounds, run under {@code -Psoak}): 300 iterations of 64 tasks (1.8 s) must bring μ's
   * RMS error from above 0.5 to ≤ 0.12, every μ within 2 posterior sd and every σ² within 12% (measured
   * 0.085, 1.30 and 7.1%; untrained 0.87, 8.4 and 35%).
   */
  @Test
  void aShortElboTrainingMovesTowardTheExactPosteriorOfADiagonalDesign() {
    double[] e = trainOnDiagonalDesign(300, 64);
    assertTrue(e[0] > 0.5, "untrained RMS error of μ " + e[0]);
    assertTrue(e[3] <= 0.12, "RMS error of μ " + e[3]);
    assertTrue(e[4] <= 2.0, "largest error of μ in posterior sd " + e[4]);
    assertTrue(e[5] <= 0.12, "largest relative error of σ² " + e[5]);
  }

  // ------------------------------------------------------------------ structure and bad input

  @Test
  void headOnlyAmortizationKeepsTheRestFixedAtTheta() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    InferenceNetwork net = InferenceNetwork.deepSets(mlp, List.of(B1, W1), 2, 4, 3, -2.0);
    assertEquals(List.of(W1, B1), net.amortized()); // the model's order
    assertEquals(4, net.dimension());
    Params theta = mlp.init(1, DataType.DOUBLE).withAll(net.initialize(1, DataType.DOUBLE));
    assertEquals(mlp.init(1, DataType.DOUBLE).names(), net.modelParams(theta).names());
    Data d = regression(3, 2, 4);
    DiagonalGaussianPosterior q = net.infer(theta, d, null);
    // The decoder's last layer starts at zero: N(θ_S, e^{2c}) for every task.
    assertArrayEquals(flat(Ops.expand(theta.get(W1), 2)), flat(q.mean().get(W1)), 0.0);
    assertArrayEquals(new double[] {-2.0, -2.0, -2.0, -2.0, -2.0, -2.0}, flat(q.logStd(W1)), 0.0);
    assertEquals(List.of(W1, B1), q.mean().names());
    assertEquals(List.of(W0, B0), q.fixed().orElseThrow().names());
    assertEquals(List.of(W0, B0, W1, B1), q.mode().names());
    assertFalse(q.isPointMass());
    // KL, entropy and log density are over the head; the full φ of a sample is accepted too.
    Params phi = q.sample(4);
    assertArrayEquals(flat(q.logDensity(phi)), flat(q.logDensity(phi.subset(List.of(W1, B1)))), 0.0);
    double kl = q.klTo(GaussianPrior.isotropic(net.amortizedMean(theta), 1.0)).value().getDouble(0);
    assertTrue(kl > 0 && Double.isFinite(kl), "KL " + kl);
    IllegalArgumentException overPrior = assertThrows(IllegalArgumentException.class,
        () -> q.klTo(GaussianPrior.isotropic(net.modelParams(theta), 1.0)));
    assertTrue(overPrior.getMessage().contains("different parameters"), overPrior.getMessage());
    // And the model runs at the mode and at a sample.
    assertEquals(2, mlp.forward(phi, d.x()).size(0));
  }

  @Test
  void badInputIsAClearError() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    // decoder output ≠ 2 × the amortized size (head: 3 + 1 scalars → 8)
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new InferenceNetwork(mlp,
        List.of(W1, B1), new Mlp(Activation.TANH, 2, 4, 3), new Mlp(Activation.TANH, 3, 4, 6), 0));
    assertTrue(size.getMessage().contains("outputs 6") && size.getMessage().contains("2P = 8"), size.getMessage());
    IllegalArgumentException link = assertThrows(IllegalArgumentException.class, () -> new InferenceNetwork(mlp, null,
        new Mlp(Activation.TANH, 2, 4, 3), new Mlp(Activation.TANH, 5, 4, 20), 0));
    assertTrue(link.getMessage().contains("3 summary features") && link.getMessage().contains("takes 5"),
        link.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> InferenceNetwork.deepSets(mlp, List.of("layer7.weight"), 2, 4, 3, 0));
    assertTrue(unknown.getMessage().contains("layer7.weight"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> InferenceNetwork.deepSets(mlp, null, 2, 4, 3, Double.NaN));
    InferenceNetwork net = InferenceNetwork.deepSets(mlp, null, 2, 4, 3, 0);
    Params theta = mlp.init(1, DataType.DOUBLE).withAll(net.initialize(1, DataType.DOUBLE));
    // support points of the wrong width (2 inputs + 1 target = 3, the encoder takes 2)
    Data wide = new Data(Tensor.constant(GradientCheck.uniform(1, -1, 1, 2, 4, 2)),
        Tensor.constant(GradientCheck.uniform(2, -1, 1, 2, 4, 1)));
    IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> net.infer(theta, wide, null));
    assertTrue(width.getMessage().contains("3 together") && width.getMessage().contains("takes 2"), width.getMessage());
    // θ without the network's weights, or with a mis-shaped one
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> net.infer(mlp.init(1, DataType.DOUBLE), regression(1, 2, 4), null));
    assertTrue(missing.getMessage().contains("initialize"), missing.getMessage());
    String w = InferenceNetwork.PREFIX + "decoder." + W1;
    Params bent = theta.with(w, Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 4, 5)));
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> net.infer(bent, regression(1, 2, 4), null));
    assertTrue(shape.getMessage().contains(w), shape.getMessage());
    // a fixed parameter that is also Gaussian, or without the task axis
    Params mean = Params.of(List.of("a"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3))));
    Params logStd = Params.of(List.of("a"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 3))));
    assertThrows(IllegalArgumentException.class, () -> new DiagonalGaussianPosterior(mean, logStd, mean));
    IllegalArgumentException axis = assertThrows(IllegalArgumentException.class, () -> new DiagonalGaussianPosterior(
        mean, logStd, Params.of(List.of("b"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 3, 3))))));
    assertTrue(axis.getMessage().contains("task axis"), axis.getMessage());
  }

  private static double[] flat(Tensor t) {
    return t.value().dup().reshape(-1).toDoubleVector();
  }
}
