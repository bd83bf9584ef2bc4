package org.bml.algorithms.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pendulum's laws: energy conservation, dissipation by friction, work by torque, determinism. */
class PendulumTest {
  @Test
  void energyIsConservedWithoutFrictionOrTorque() {
    // RK4 at h = 0.0125 s: global error O(h^4); 400 steps (20 s) of large swings stay within 1e-5 relative.
    for (Pendulum.Dynamics d : new Pendulum.Dynamics[] {new Pendulum.Dynamics(1, 1, 0),
        new Pendulum.Dynamics(0.3, 0.5, 0)}) {
      double[] s = {2.5, 1.0};
      double e0 = Pendulum.energy(d, s);
      double worst = 0;
      for (int t = 0; t < 400; t++) {
        s = Pendulum.step(d, s, 0);
        worst = Math.max(worst, Math.abs(Pendulum.energy(d, s) - e0) / e0);
      }
      assertTrue(worst < 1e-5, "relative energy drift " + worst + " for " + d);
      // A real error: halving the step (twice the substeps) is not what is checked here, but a sloppier
      // integrator would drift; explicit Euler at the same step gains energy by more than 1%.
      assertTrue(eulerDrift(d) > 1e-2, "the check can fail");
    }
  }

  private static double eulerDrift(Pendulum.Dynamics d) {
    double th = 2.5;
    double w = 1.0;
    double e0 = Pendulum.energy(d, new double[] {th, w});
    double h = Pendulum.DT / Pendulum.SUBSTEPS;
    for (int t = 0; t < 400 * Pendulum.SUBSTEPS; t++) {
      double a = -Pendulum.G / d.length() * Math.sin(th);
      th += h * w;
      w += h * a;
    }
    return Math.abs(Pendulum.energy(d, new double[] {th, w}) - e0) / e0;
  }

  @Test
  void frictionDissipatesAndTorqueDoesWork() {
    Pendulum.Dynamics d = new Pendulum.Dynamics(0.7, 0.8, 0.3);
    double[] s = {2.0, 0.5};
    double e = Pendulum.energy(d, s);
    for (int t = 0; t < 100; t++) {
      s = Pendulum.step(d, s, 0);
      double next = Pendulum.energy(d, s);
      assertTrue(next <= e + 1e-9, "energy rose under friction at step " + t);
      e = next;
    }
    // Torque along the motion raises the energy of a frictionless pendulum.
    Pendulum.Dynamics free = new Pendulum.Dynamics(0.7, 0.8, 0);
    double[] s0 = {0, 1.0};
    assertTrue(Pendulum.energy(free, Pendulum.step(free, s0, 2)) > Pendulum.energy(free, Pendulum.step(free, s0, 0)));
    // Torque is clipped.
    assertArrayEquals(Pendulum.step(free, s0, Pendulum.MAX_TORQUE), Pendulum.step(free, s0, 100));
  }

  @Test
  void deterministicBySeedAndValidated() {
    Pendulum.Dynamics a = Pendulum.task(Pendulum.Ranges.DEFAULT, 3, 7);
    assertEquals(a, Pendulum.task(Pendulum.Ranges.DEFAULT, 3, 7));
    assertNotEquals(a, Pendulum.task(Pendulum.Ranges.DEFAULT, 3, 8));
    assertNotEquals(a, Pendulum.task(Pendulum.Ranges.DEFAULT, 4, 7));
    assertTrue(a.mass() >= 0.3 && a.mass() <= 1.0 && a.length() >= 0.5 && a.length() <= 1.0 && a.friction() <= 0.5);
    Grbal.Rollout r1 = Grbal.randomRollout(a, 20, new SplittableRandom(5));
    Grbal.Rollout r2 = Grbal.randomRollout(a, 20, new SplittableRandom(5));
    assertArrayEquals(r1.actions(), r2.actions());
    assertArrayEquals(r1.states()[20], r2.states()[20]);
    assertEquals(0, Pendulum.fromUpright(Math.PI), 1e-15);
    assertEquals(Math.PI, Pendulum.fromUpright(0), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> new Pendulum.Dynamics(0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Pendulum.Dynamics(1, 1, -0.1));
  }
}
