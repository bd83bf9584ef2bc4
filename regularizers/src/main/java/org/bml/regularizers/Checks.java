package org.bml.regularizers;

/** Hyperparameter checks shared by the regularizers: each failure names the offending value. */
final class Checks {
  private Checks() {}

  static <T> T nonNull(String owner, String what, T value) {
    if (value == null) {
      throw new IllegalArgumentException(owner + ": " + what + " must be given, got null");
    }
    return value;
  }

  /** β ≥ 0 and finite (β = 0 switches the penalty off). */
  static double beta(String owner, double beta) {
    if (!(beta >= 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException(owner + ": β must be finite and >= 0, got " + beta);
    }
    return beta;
  }

  static double finite(String owner, String what, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(owner + ": " + what + " must be finite, got " + value);
    }
    return value;
  }

  /** A penalty or KL value must be finite: an overflow is reported, never passed on as Inf/NaN. */
  static double finiteKl(String owner, String what, double value, String hint) {
    if (!Double.isFinite(value)) {
      throw new ArithmeticException(owner + ": " + what + " is " + value + " (overflow); " + hint);
    }
    return value;
  }
}
