package org.bml.algorithms.rl;

import java.util.SplittableRandom;
import org.bml.datasets.Seeds;

/**
 * A torque-limited pendulum with per-task mass, length and friction, the changing-dynamics
 * family of GrBAL (Nagabandi et al., "Learning to Adapt in Dynamic, Real-World Environments
 * through Meta-Reinforcement Learning", ICLR 2019; the paper uses MuJoCo robots and a real
 * legged millirobot, this is the plain-Java stand-in).
 *
 * <p>State {@code (θ, ω)}, θ = 0 hanging down, π upright. A point mass {@code m} on a massless rod
 * of length {@code l} with viscous friction {@code b} at the pivot and torque {@code u} (clipped
 * to ±{@value #MAX_TORQUE}): {@code m l² θ'' = u − b ω − m g l sin θ}. One step integrates
 * {@value #DT} s by {@value #SUBSTEPS} classical Runge–Kutta substeps (u held constant), so
 * without friction or torque the energy {@code ½ m l² ω² + m g l (1 − cos θ)} is conserved to
 * the integrator's O(h⁴) error. Reward: swing-up, {@code −(angle from upright² + 0.1 ω² + 0.001 u²)}.
 * Everything is deterministic; a task's parameters are a pure function of {@code (seed, index)}.
 */
public final class Pendulum {
  public static final double G = 9.81;
  public static final double DT = 0.05;
  public static final int SUBSTEPS = 4;
  public static final double MAX_TORQUE = 5.0;

  /** One task's physical parameters. */
  public record Dynamics(double mass, double length, double friction) {
    public Dynamics {
      if (!(mass > 0) || !(length > 0) || !(friction >= 0) || !Double.isFinite(mass + length + friction)) {
        throw new IllegalArgumentException("Pendulum: mass and length must be > 0 and friction >= 0, finite; got m="
            + mass + ", l=" + length + ", b=" + friction);
      }
    }
  }

  /** Ranges tasks are drawn from, uniformly: mass, length, friction. */
  public record Ranges(double massLo, double massHi, double lengthLo, double lengthHi, double frictionLo,
      double frictionHi) {
    /** The default family: m ∈ [0.3, 1.0] kg, l ∈ [0.5, 1.0] m, b ∈ [0, 0.5]. */
    public static final Ranges DEFAULT = new Ranges(0.3, 1.0, 0.5, 1.0, 0.0, 0.5);
  }

  private Pendulum() {}

  /** Task {@code index} under {@code seed}. */
  public static Dynamics task(Ranges r, long seed, long index) {
    SplittableRandom rng = Seeds.stream(seed, index);
    return new Dynamics(uniform(rng, r.massLo(), r.massHi()), uniform(rng, r.lengthLo(), r.lengthHi()),
        uniform(rng, r.frictionLo(), r.frictionHi()));
  }

  private static double uniform(SplittableRandom rng, double lo, double hi) {
    return lo + (hi - lo) * rng.nextDouble();
  }

  /** The state after one step of torque {@code u} (clipped) from {@code s = (θ, ω)}. */
  public static double[] step(Dynamics d, double[] s, double u) {
    double torque = Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, u));
    double h = DT / SUBSTEPS;
    double th = s[0];
    double w = s[1];
    for (int i = 0; i < SUBSTEPS; i++) {
      double k1t = w;
      double k1w = accel(d, th, w, torque);
      double k2t = w + 0.5 * h * k1w;
      double k2w = accel(d, th + 0.5 * h * k1t, k2t, torque);
      double k3t = w + 0.5 * h * k2w;
      double k3w = accel(d, th + 0.5 * h * k2t, k3t, torque);
      double k4t = w + h * k3w;
      double k4w = accel(d, th + h * k3t, k4t, torque);
      th += h / 6 * (k1t + 2 * k2t + 2 * k3t + k4t);
      w += h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
    }
    return new double[] {th, w};
  }

  private static double accel(Dynamics d, double th, double w, double u) {
    double ml2 = d.mass() * d.length() * d.length();
    return (u - d.friction() * w - d.mass() * G * d.length() * Math.sin(th)) / ml2;
  }

  /** Mechanical energy (zero at rest hanging down). */
  public static double energy(Dynamics d, double[] s) {
    return 0.5 * d.mass() * d.length() * d.length() * s[1] * s[1] + d.mass() * G * d.length() * (1 - Math.cos(s[0]));
  }

  /** Angle from upright in (−π, π]. */
  public static double fromUpright(double th) {
    double a = Math.IEEEremainder(th - Math.PI, 2 * Math.PI);
    return a == -Math.PI ? Math.PI : a;
  }

  /** Reward of being in {@code s} after applying {@code u}. */
  public static double reward(double[] s, double u) {
    double a = fromUpright(s[0]);
    double torque = Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, u));
    return -(a * a + 0.1 * s[1] * s[1] + 0.001 * torque * torque);
  }

  /** A start state: hanging near the bottom, θ ∈ [−0.2, 0.2], ω ∈ [−0.2, 0.2]. */
  public static double[] start(SplittableRandom rng) {
    return new double[] {uniform(rng, -0.2, 0.2), uniform(rng, -0.2, 0.2)};
  }
}
