package org.bml.core.model;

import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Building blocks shared by the models: task-batched linear maps and seeded initialisers. */
public final class Layers {
  private Layers() {}

  /**
   * x [T, n, in] · W + b. W is [in, out] (shared) or [T, in, out] (per task); b is [out] or
   * [T, out] (or null).
   */
  public static Tensor linear(Tensor x, Tensor w, Tensor b) {
    return Ops.linear(x, w, b);
  }

  /** Uniform U(−bound, bound) values from a seeded stream, as PyTorch's default Linear init. */
  public static INDArray uniform(SplittableRandom rng, double bound, DataType dtype, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (rng.nextDouble() * 2 - 1) * bound;
    }
    return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
  }

  public static INDArray filled(double value, DataType dtype, long... shape) {
    return Nd4j.valueArrayOf(shape, value, dtype);
  }
}
