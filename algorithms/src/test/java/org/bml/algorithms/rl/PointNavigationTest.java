package org.bml.algorithms.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The point-navigation environment's laws: seeded goals, clipped moves, distance reward, reproducible rollouts. */
class PointNavigationTest {
  @Test
  void goalsAreReproducibleAndInRange() {
    for (long i = 0; i < 200; i++) {
      double[] g = PointNavigation.goal(7, i);
      assertArrayEquals(g, PointNavigation.goal(7, i));
      assertTrue(Math.abs(g[0]) <= 0.5 && Math.abs(g[1]) <= 0.5);
    }
    assertTrue(PointNavigation.goal(7, 0)[0] != PointNavigation.goal(8, 0)[0]);
  }

  @Test
  void movesAreClippedAndRewardIsMinusTheDistance() {
    double[] s = PointNavigation.step(new double[] {0.2, -0.1}, new double[] {0.05, -3});
    assertArrayEquals(new double[] {0.25, -0.2}, s, 1e-15);
    assertEquals(-0.5, PointNavigation.reward(new double[] {0.3, 0.4}, new double[] {0, 0}), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> PointNavigation.step(new double[] {0, 0}, new double[] {Double.NaN, 0}));
    assertThrows(IllegalArgumentException.class, () -> new PointNavigation(0));
  }

  /** A near-deterministic linear policy with constant mean b moves by clip(b) per step: s_H = H·clip(b). */
  @Test
  void rolloutsFollowTheDynamicsAndAreSeeded() {
    GaussianPolicy policy = new GaussianPolicy(-30);
    Params p = policy.init(1, DataType.DOUBLE)
        .with("layer0.weight", Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 2)))
        .with("layer0.bias", Tensor.constant(Nd4j.createFromArray(0.04, -0.5)));
    double[][] goals = {{0.3, -0.3}};
    Trajectories t = policy.rollout(p, goals, 2, 5, 3);
    for (int h = 0; h < 5; h++) {
      assertEquals(0.04 * h, t.states()[0][1][h][0], 1e-9);
      assertEquals(-0.1 * h, t.states()[0][1][h][1], 1e-9);
      double[] next = {0.04 * (h + 1), -0.1 * (h + 1)};
      assertEquals(PointNavigation.reward(next, goals[0]), t.rewards()[0][1][h], 1e-9);
    }
    GaussianPolicy noisy = new GaussianPolicy(-1);
    Params q = noisy.init(2, DataType.DOUBLE);
    Trajectories a = noisy.rollout(q, goals, 3, 4, 11);
    Trajectories b = noisy.rollout(q, goals, 3, 4, 11);
    assertArrayEquals(a.meanReturns(), b.meanReturns());
    assertTrue(a.meanReturns()[0] != noisy.rollout(q, goals, 3, 4, 12).meanReturns()[0]);
  }
}
