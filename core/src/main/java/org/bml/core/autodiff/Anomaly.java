package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Anomaly mode: while on, every op (forward and backward) checks its result for NaN or Inf and
 * throws {@link AnomalyException} naming the first op that produced one. Costs one reduction per
 * op, so it is off by default.
 */
public final class Anomaly {
  private static final ThreadLocal<boolean[]> ON = ThreadLocal.withInitial(() -> new boolean[] {false});

  private Anomaly() {}

  public static boolean isOn() {
    return ON.get()[0];
  }

  /** Turns detection on until the returned scope is closed. */
  public static GradMode.Scope detect() {
    boolean[] cell = ON.get();
    boolean previous = cell[0];
    cell[0] = true;
    return () -> cell[0] = previous;
  }

  static void check(String where, INDArray value, Tensor[] inputs) {
    if (!value.dataType().isFPType()) {
      return;
    }
    boolean bad = value.isNaN().any() || value.isInfinite().any();
    if (bad) {
      StringBuilder shapes = new StringBuilder();
      for (Tensor t : inputs) {
        shapes.append(shapes.length() == 0 ? "" : ", ").append(Arrays.toString(t.shape()));
      }
      throw new AnomalyException(where + " produced NaN or Inf (output shape "
          + Arrays.toString(value.shape()) + ", input shapes " + shapes + ")");
    }
  }

  /** The first non-finite value produced under anomaly mode. */
  public static final class AnomalyException extends ArithmeticException {
    public AnomalyException(String message) {
      super(message);
    }
  }
}
