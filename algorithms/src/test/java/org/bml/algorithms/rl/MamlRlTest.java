package org.bml.algorithms.rl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** MAML-RL: the REINFORCE gradient against finite differences of the return, and meta-training. */
class MamlRlTest {
  private static final int HORIZON = 2;
  private static final int EPISODES = 200;
  private static final int BATCHES = 30;

  private static Params linearPolicy(GaussianPolicy policy) {
    return policy.init(1, DataType.DOUBLE)
        .with("layer0.weight", Tensor.variable(Nd4j.createFromArray(new double[][] {{0.3, -0.2}, {0.1, 0.4}})))
        .with("layer0.bias", Tensor.variable(Nd4j.createFromArray(0.02, -0.03)))
        .with(GaussianPolicy.LOG_STD, Tensor.variable(Nd4j.createFromArray(Math.log(0.03), Math.log(0.02))));
  }

  private static double meanReturn(GaussianPolicy policy, Params p, double[][] goals, long seed) {
    return policy.rollout(p, goals, EPISODES, HORIZON, seed).meanReturns()[0];
  }

  /**
   * On a 2-step deterministic navigation task, the REINFORCE estimate (returns-to-go minus a constant
   * baseline, so unbiased) and the central finite difference of the Monte-Carlo return under common
   * random numbers (the pathwise estimate, also unbiased for a Lipschitz return) agree in mean:
   * per parameter, a z-test on the differences over 30 independent batches, Bonferroni over the 8
   * parameters at α = 0.01 (seeds 1000..1029). The finite differences of the bias and log σ are
   * themselves significantly non-zero, so agreement is not vacuous.
   */
  @Test
  void policyGradientMatchesFiniteDifferencesOfTheReturn() {
    GaussianPolicy policy = new GaussianPolicy(0);
    MamlRl maml = new MamlRl(policy, new MamlRl.Config(EPISODES, HORIZON, 0.1, 1, 1.0, false));
    Params p = linearPolicy(policy);
    double[][] goals = {{0.3, 0.2}};
    int params = 8;
    double[][] diff = new double[BATCHES][params];
    double[][] fd = new double[BATCHES][params];
    double eps = 1e-6;
    for (int m = 0; m < BATCHES; m++) {
      long seed = 1000 + m;
      Trajectories batch = policy.rollout(p, goals, EPISODES, HORIZON, seed);
      double[][][] adv = LinearBaseline.returnsToGo(batch.rewards(), 1.0);
      for (double[] ep : adv[0]) {
        for (int h = 0; h < ep.length; h++) {
          ep[h] += 0.4; // a constant baseline b = −0.4, about the return's scale
        }
      }
      List<Tensor> g = Autodiff.grad(maml.surrogate(p, batch, adv), p.tensors(), false);
      int k = 0;
      for (int i = 0; i < p.size(); i++) {
        INDArray v = p.tensors().get(i).value();
        double[] pg = g.get(i).value().dup().data().asDouble();
        for (int j = 0; j < v.length(); j++, k++) {
          double orig = v.getDouble(j);
          Params plus = p.map(t -> Tensor.constant(t.value().dup()));
          plus.tensors().get(i).value().putScalar(j, orig + eps);
          Params minus = p.map(t -> Tensor.constant(t.value().dup()));
          minus.tensors().get(i).value().putScalar(j, orig - eps);
          fd[m][k] = (meanReturn(policy, plus, goals, seed + 500) - meanReturn(policy, minus, goals, seed + 500))
              / (2 * eps);
          diff[m][k] = -pg[j] * HORIZON - fd[m][k];
        }
      }
    }
    double z = new NormalDistribution(null, 0, 1).inverseCumulativeProbability(1 - 0.01 / (2 * params));
    for (int k = 0; k < params; k++) {
      double[] st = stats(diff, k);
      assertTrue(Math.abs(st[0]) <= z * st[1], "parameter " + k + ": mean difference " + st[0] + ", s.e. " + st[1]);
    }
    for (int k = 4; k < params; k++) {
      double[] st = stats(fd, k);
      assertTrue(Math.abs(st[0]) > z * st[1], "finite difference of parameter " + k + " not significant: " + st[0]);
    }
  }

  // Mean and standard error over batches of column k.
  private static double[] stats(double[][] v, int k) {
    double s = 0;
    double s2 = 0;
    for (double[] row : v) {
      s += row[k];
      s2 += row[k] * row[k];
    }
    int n = v.length;
    double m = s / n;
    double var = (s2 - n * m * m) / (n - 1);
    return new double[] {m, Math.sqrt(var / n)};
  }

  /** 30 meta-iterations raise the return after one adaptation step on held-out goals. */
  @Test
  void metaTrainingImprovesTheAdaptedReturn() {
    GaussianPolicy policy = new GaussianPolicy(-1, 16);
    MamlRl maml = new MamlRl(policy, new MamlRl.Config(10, 10, 0.1, 1, 0.99, true));
    MetaOptimizer opt = new MetaOptimizer(policy.init(1, DataType.DOUBLE), new Adam(0.02), 0);
    double[][] test = MamlRl.goals(99, 0, 8);
    double before = maml.returnsAfterSteps(opt.params(), test, 1, 5)[1];
    for (int it = 0; it < 30; it++) {
      Tensor loss = maml.metaLoss(opt.params(), MamlRl.goals(1, it * 4L, 4), it);
      opt.step(Autodiff.grad(List.of(loss), null, opt.params().tensors(), false, true));
    }
    double after = maml.returnsAfterSteps(opt.params(), test, 1, 5)[1];
    System.out.printf("MAML-RL: return after 1 step %.3f -> %.3f%n", before, after);
    assertTrue(after > before + 0.3, "return after one step " + before + " -> " + after);
  }
}
