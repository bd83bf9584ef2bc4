package org.bml.algorithms.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** GrBAL's meta-loss: its reduction at α = 0, its float64 meta-gradient, adaptation helping, MPC determinism. */
class GrbalTest {
  private static List<Grbal.Rollout> rollouts(int tasks, int steps, long seed) {
    List<Grbal.Rollout> out = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      out.add(Grbal.randomRollout(Pendulum.task(Pendulum.Ranges.DEFAULT, seed, t), steps, new SplittableRandom(seed + t)));
    }
    return out;
  }

  @Test
  void withInnerLrZeroTheMetaLossIsThePlainLossOnTheFuture() {
    Grbal g0 = new Grbal(new Grbal.Config(new int[] {6}, 4, 3, 0));
    List<Grbal.Rollout> data = rollouts(3, 12, 1);
    int[] from = {0, 2, 5};
    int[] after = {4, 6, 9};
    Params theta = g0.init(2, DataType.DOUBLE);
    Tensor meta = g0.metaLoss(theta, data, from, DataType.DOUBLE);
    // The non-adaptive objective on exactly the K future transitions.
    Grbal futureOnly = new Grbal(new Grbal.Config(new int[] {6}, 3, 1, 0));
    Tensor[] f = Grbal.data(data, after, 3, DataType.DOUBLE);
    Tensor plain = org.bml.core.autodiff.Ops.mean(futureOnly.loss(theta, f[0], f[1]), false);
    assertEquals(plain.value().getDouble(0), meta.value().getDouble(0), 0);
    List<Tensor> ga = Autodiff.grad(List.of(meta), null, theta.tensors(), false, true);
    List<Tensor> gb = Autodiff.grad(List.of(plain), null, theta.tensors(), false, true);
    for (int i = 0; i < ga.size(); i++) {
      assertEquals(gb.get(i).value(), ga.get(i).value(), "gradient of " + theta.names().get(i));
    }
  }

  @Test
  void metaGradientMatchesFiniteDifferences() {
    Grbal g = new Grbal(new Grbal.Config(new int[] {5}, 4, 3, 0.3));
    List<Grbal.Rollout> data = rollouts(2, 10, 3);
    int[] from = {1, 3};
    Params theta = g.init(4, DataType.DOUBLE);
    List<String> names = theta.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : theta.tensors()) {
      at.add(t.value().dup());
    }
    double err = GradientCheck.gradientError(
        v -> g.metaLoss(Params.of(names, v), data, from, DataType.DOUBLE), at, 1e-6);
    assertTrue(err < 1e-6, "meta-gradient relative error " + err);
  }

  @Test
  void metaTrainingLowersTheAdaptedLossAndMpcIsDeterministic() {
    Grbal g = new Grbal(new Grbal.Config(new int[] {16}, 8, 8, 0.1));
    List<Grbal.Rollout> data = rollouts(8, 40, 5);
    double[] losses = new double[60];
    Params theta = g.train(data, new Grbal.Training(60, 4, 0.01, 1), true, DataType.DOUBLE, losses);
    double first = (losses[0] + losses[1] + losses[2]) / 3;
    double last = (losses[57] + losses[58] + losses[59]) / 3;
    assertTrue(last < 0.5 * first, "meta-loss " + first + " -> " + last);
    Grbal.Mpc mpc = new Grbal.Mpc(20, 5, 10);
    Pendulum.Dynamics d = Pendulum.task(Pendulum.Ranges.DEFAULT, 99, 0);
    double[] e1 = new double[1];
    double[] e2 = new double[1];
    Grbal.Rollout a = g.control(theta, d, mpc, true, 7, e1);
    Grbal.Rollout b = g.control(theta, d, mpc, true, 7, e2);
    assertEquals(a.totalReward(), b.totalReward(), 0);
    assertEquals(e1[0], e2[0], 0);
    assertThrows(IllegalArgumentException.class, () -> new Grbal.Config(new int[] {4}, 0, 1, 0.1));
    assertThrows(IllegalArgumentException.class, () -> new Grbal.Config(new int[] {4}, 1, 1, -1));
    assertThrows(IllegalArgumentException.class, () -> new Grbal.Mpc(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Grbal.Mpc(10, 1, 1, -1, 2));
    assertThrows(IllegalArgumentException.class, () -> new Grbal.Mpc(10, 1, 1, 2, 11));
  }

  /**
   * The cross-entropy planner, with the true dynamics, earns more than random shooting at the same
   * number of sequences per round on each of 4 seeded pendulum tasks (it refits to the best sequences; random
   * shooting keeps one of uniform draws), and it is deterministic given the seed.
   */
  @Test
  void crossEntropyPlanningBeatsRandomShootingWithTheTrueModel() {
    Grbal.Mpc random = new Grbal.Mpc(60, 10, 40);
    Grbal.Mpc cem = new Grbal.Mpc(60, 10, 40, 4, 6);
    for (int t = 0; t < 4; t++) {
      Pendulum.Dynamics d = Pendulum.task(Pendulum.Ranges.DEFAULT, 5, t);
      double r = Grbal.controlWithTrueModel(d, random, 11 + t).totalReward();
      double c = Grbal.controlWithTrueModel(d, cem, 11 + t).totalReward();
      assertTrue(c > r, "task " + t + ": CEM " + c + " vs random shooting " + r);
      assertEquals(c, Grbal.controlWithTrueModel(d, cem, 11 + t).totalReward(), 0, "deterministic");
    }
  }
}
