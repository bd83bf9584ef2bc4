package org.bml.cli;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Outer learning-rate schedules, as ND4J {@link ISchedule}s read by the updater at each iteration
 * (so a resumed run, whose optimizer continues its iteration count, continues the schedule):
 * {@code constant}, {@code cosine} (half a cosine from the initial rate to 0 over the run's
 * iterations, Loshchilov & Hutter 2017 without restarts) and {@code step:EVERY:FACTOR} (multiply
 * by FACTOR every EVERY iterations).
 */
final class Schedules {
  private Schedules() {}

  /** Checks a schedule's spelling (before anything is built). */
  static void validate(String spec) {
    parse(spec, 1e-3, 1);
  }

  /** The schedule for a spec; null for {@code constant}. */
  static ISchedule parse(String spec, double initial, long iterations) {
    if (spec == null || spec.equals("constant")) {
      return null;
    }
    if (spec.equals("cosine")) {
      return new Cosine(initial, iterations);
    }
    if (spec.startsWith("step:")) {
      String[] p = spec.split(":", -1);
      if (p.length == 3) {
        try {
          long every = Long.parseLong(p[1]);
          double factor = Double.parseDouble(p[2]);
          if (every > 0 && factor > 0 && factor <= 1 && Double.isFinite(factor)) {
            return new StepSchedule(ScheduleType.ITERATION, initial, factor, every);
          }
        } catch (NumberFormatException e) {
          // fall through to the message below
        }
      }
      throw new BadInputException("--lr-schedule '" + spec + "': expected step:EVERY:FACTOR with EVERY a positive "
          + "integer and FACTOR in (0, 1], e.g. step:1000:0.5");
    }
    throw new BadInputException("unknown --lr-schedule '" + spec + "' (have: constant, cosine, step:EVERY:FACTOR)");
  }

  /** lr(t) = lr0 · ½(1 + cos(π · min(t, T) / T)). */
  static final class Cosine implements ISchedule {
    private static final long serialVersionUID = 1L;
    private final double initial;
    private final long iterations;

    Cosine(double initial, long iterations) {
      this.initial = initial;
      this.iterations = Math.max(1, iterations);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
      double t = Math.min(iteration, iterations) / (double) iterations;
      return initial * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    @Override
    public ISchedule clone() {
      return new Cosine(initial, iterations);
    }
  }
}
