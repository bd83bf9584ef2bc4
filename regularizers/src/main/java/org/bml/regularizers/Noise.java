package org.bml.regularizers;

import java.util.SplittableRandom;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded constant noise for reparameterised samples. */
final class Noise {
  private Noise() {}

  /** ε ~ N(0, I) of the given shape, a pure function of the seed. */
  static Tensor standardNormal(long seed, DataType dtype, long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian();
    }
    return Tensor.constant(Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype));
  }
}
