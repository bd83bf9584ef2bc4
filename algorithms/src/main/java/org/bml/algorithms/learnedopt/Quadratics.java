package org.bml.algorithms.learnedopt;

import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The random quadratics of Andrychowicz et al. (NeurIPS 2016, §3.1): f(θ) = ‖Wθ − y‖² with W
 * {@code [d, d]} and y {@code [d]} i.i.d. N(0, 1) (d = 10 in the paper), started at θ_0 ~ N(0, s²)
 * (s = 0.01 as the authors' code). Task j of a seed is a pure function of (seed, j), so training,
 * tuning and held-out sets are disjoint by seed and reproducible.
 */
public final class Quadratics implements Optimizee {
  private final int tasks;
  private final int dim;
  private final Tensor w;
  private final Tensor y;
  private final Tensor yFlat;
  private final INDArray theta0;

  private Quadratics(int tasks, int dim, INDArray w, INDArray y, INDArray theta0) {
    this.tasks = tasks;
    this.dim = dim;
    this.w = Tensor.constant(w);
    this.y = Tensor.constant(y);
    this.yFlat = Tensor.constant(y.reshape(tasks, dim));
    this.theta0 = theta0;
  }

  /** Tasks {@code first .. first + tasks − 1} of a seed, in float64. */
  public static Quadratics sample(long seed, long first, int tasks, int dim, double initStd) {
    if (tasks <= 0 || dim <= 0) {
      throw new IllegalArgumentException("Quadratics: tasks and dim must be positive, got " + tasks + ", " + dim);
    }
    if (!(initStd >= 0) || !Double.isFinite(initStd)) {
      throw new IllegalArgumentException("Quadratics: initStd must be finite and >= 0, got " + initStd);
    }
    double[] wv = new double[tasks * dim * dim];
    double[] yv = new double[tasks * dim];
    double[] tv = new double[tasks * dim];
    for (int j = 0; j < tasks; j++) {
      SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + first + j);
      for (int k = 0; k < dim * dim; k++) {
        wv[j * dim * dim + k] = rng.nextGaussian();
      }
      for (int k = 0; k < dim; k++) {
        yv[j * dim + k] = rng.nextGaussian();
      }
      for (int k = 0; k < dim; k++) {
        tv[j * dim + k] = initStd * rng.nextGaussian();
      }
    }
    return new Quadratics(tasks, dim, Nd4j.create(wv, new long[] {tasks, dim, dim}, DataType.DOUBLE),
        Nd4j.create(yv, new long[] {tasks, dim, 1}, DataType.DOUBLE),
        Nd4j.create(tv, new long[] {tasks, dim, 1}, DataType.DOUBLE));
  }

  /** The paper's setting: d = 10, θ_0 ~ N(0, 0.01²). */
  public static Quadratics paper(long seed, long first, int tasks) {
    return sample(seed, first, tasks, 10, 0.01);
  }

  @Override
  public int tasks() {
    return tasks;
  }

  @Override
  public int dim() {
    return dim;
  }

  /** W {@code [T, d, d]}. */
  public INDArray w() {
    return w.value();
  }

  /** y {@code [T, d, 1]}. */
  public INDArray y() {
    return y.value();
  }

  @Override
  public INDArray initial() {
    return theta0;
  }

  @Override
  public Tensor losses(Tensor theta) {
    if (theta.rank() != 3 || theta.size(0) != tasks || theta.size(1) != dim || theta.size(2) != 1) {
      throw new IllegalArgumentException("Quadratics: θ must be [" + tasks + ", " + dim + ", 1], got "
          + java.util.Arrays.toString(theta.shape()));
    }
    // W θ as a broadcast product and a row sum: one vectorised op each, where a batched matmul
    // would be T tiny matrix products.
    Tensor wTheta = Ops.sum(Ops.mul(w, Ops.reshape(theta, tasks, 1, dim)), false, 2);
    return Ops.sum(Ops.square(Ops.sub(wTheta, yFlat)), false, 1);
  }
}
