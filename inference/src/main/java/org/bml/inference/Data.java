package org.bml.inference;

import java.util.Arrays;
import org.bml.core.autodiff.Tensor;

/**
 * Observations for a batch of tasks: inputs {@code x [T, n, ...]} and targets {@code y [T, n, ...]}
 * (regression values or one-hot classes), as constants.
 */
public record Data(Tensor x, Tensor y) {
  public Data {
    if (x.rank() < 2 || y.rank() < 2 || x.size(0) != y.size(0) || x.size(1) != y.size(1)) {
      throw new IllegalArgumentException("Data: x " + Arrays.toString(x.shape()) + " and y "
          + Arrays.toString(y.shape()) + " must share the leading [tasks, points] dimensions");
    }
  }

  public long tasks() {
    return x.size(0);
  }

  public long points() {
    return x.size(1);
  }
}
