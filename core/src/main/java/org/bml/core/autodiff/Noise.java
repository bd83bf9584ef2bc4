package org.bml.core.autodiff;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded constant noise for reparameterised samples: the one place that draws ε ~ N(0, I). */
public final class Noise {
  private Noise() {}

  /** ε ~ N(0, I) of the given shape, a pure function of the seed (a {@link SplittableRandom}). */
  public static Tensor standardNormal(long seed, DataType dtype, long[] shape) {
    return standardNormal(new SplittableRandom(seed), dtype, shape);
  }

  /** ε ~ N(0, I) of the given shape, drawn in row-major order from the generator (a constant). */
  public static Tensor standardNormal(RandomGenerator rng, DataType dtype, long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian();
    }
    INDArray a = shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape('c', shape);
    return Tensor.constant(a.castTo(dtype));
  }
}
