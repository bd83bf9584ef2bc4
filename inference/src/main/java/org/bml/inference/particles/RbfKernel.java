package org.bml.inference.particles;

import java.util.Arrays;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The RBF kernel of SVGD, k(a, b) = exp(−‖a − b‖² / h), over particle sets {@code [L, M, P]} (L
 * independent sets, e.g. tasks).
 *
 * <p>Bandwidth: fixed, or the median heuristic of Liu & Wang (2016), h = med / log(M + 1) with med
 * the median of the squared distances over distinct pairs i &lt; j (the mean of the two middle values
 * for an even count; the log(M + 1) of the authors' reference code, so that M = 1 is defined). The
 * median is differentiable: it is the selected pair's squared distance (a constant selection), so
 * derivatives of SVGD through h are exact wherever the median pair is unique. With one particle, or
 * when all particles coincide (med = 0), h = 1: the kernel matrix is then all ones and the repulsion
 * vanishes whatever h is. Immutable.
 */
public final class RbfKernel {
  private final double fixed;

  private RbfKernel(double fixed) {
    this.fixed = fixed;
  }

  /** The median heuristic (differentiable). */
  public static RbfKernel medianHeuristic() {
    return new RbfKernel(Double.NaN);
  }

  /** A fixed bandwidth h > 0. */
  public static RbfKernel fixed(double bandwidth) {
    if (!(bandwidth > 0) || !Double.isFinite(bandwidth)) {
      throw new IllegalArgumentException("RbfKernel.fixed: bandwidth must be positive and finite, got " + bandwidth);
    }
    return new RbfKernel(bandwidth);
  }

  public boolean isMedianHeuristic() {
    return Double.isNaN(fixed);
  }

  /** ‖φ_i − φ_j‖² {@code [L, M, M]} with an exactly zero diagonal. */
  public static Tensor squaredDistances(Tensor particles) {
    requireParticles(particles);
    long m = particles.size(1);
    Tensor d = Ops.squaredDistances(particles, particles);
    INDArray offDiagonal = Nd4j.ones(particles.dtype(), m, m).subi(Nd4j.eye(m).castTo(particles.dtype()));
    return Ops.mul(d, Tensor.constant(offDiagonal));
  }

  /** h per set, {@code [L, 1, 1]}, from the squared distances {@code [L, M, M]}. */
  public Tensor bandwidth(Tensor squaredDistances) {
    long l = squaredDistances.size(0);
    int m = (int) squaredDistances.size(1);
    if (!isMedianHeuristic()) {
      return Tensor.constant(Nd4j.valueArrayOf(new long[] {l, 1, 1}, fixed, squaredDistances.dtype()));
    }
    if (m == 1) {
      return Tensor.constant(Nd4j.ones(squaredDistances.dtype(), l, 1, 1));
    }
    INDArray d = squaredDistances.value();
    INDArray weights = Nd4j.zeros(d.dataType(), l, m, m);
    INDArray fallback = Nd4j.zeros(d.dataType(), l, 1, 1);
    int pairs = m * (m - 1) / 2;
    for (int t = 0; t < l; t++) {
      double[] all = d.slice(t).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
      double[] v = new double[pairs];
      int k = 0;
      for (int i = 0; i < m; i++) {
        for (int j = i + 1; j < m; j++) {
          v[k++] = all[i * m + j];
        }
      }
      for (double x : v) {
        if (!Double.isFinite(x)) {
          throw new IllegalStateException("RbfKernel: squared distances between particles are not finite (" + x
              + "): the particles diverged; reduce the step size");
        }
      }
      double[] sorted = v.clone();
      Arrays.sort(sorted);
      // The pair(s) holding the middle value(s): the lower middle first, then the upper one (distinct pairs).
      int lowerRank = (pairs - 1) / 2;
      int upperRank = pairs / 2;
      int a = indexOf(v, sorted[lowerRank], -1);
      int[] chosen = lowerRank == upperRank ? new int[] {a} : new int[] {a, indexOf(v, sorted[upperRank], a)};
      double median = 0;
      for (int c : chosen) {
        median += v[c] / chosen.length;
      }
      if (!(median > 0)) {
        fallback.putScalar(t, 0, 0, 1.0); // all particles coincide: h = 1
        continue;
      }
      for (int c : chosen) {
        int[] ij = pairOf(c, m);
        weights.putScalar(new int[] {t, ij[0], ij[1]}, 1.0 / chosen.length);
      }
    }
    Tensor med = Ops.sum(Ops.mul(squaredDistances, Tensor.constant(weights)), true, 1, 2);
    return Ops.add(Ops.mulScalar(med, 1.0 / Math.log(m + 1.0)), Tensor.constant(fallback));
  }

  // The first index holding value x, other than the one excluded.
  private static int indexOf(double[] v, double x, int excluded) {
    for (int i = 0; i < v.length; i++) {
      if (v[i] == x && i != excluded) {
        return i;
      }
    }
    throw new IllegalStateException("RbfKernel: median value not found");
  }

  // (i, j), i < j, of the c-th pair in row-major upper-triangle order.
  private static int[] pairOf(int c, int m) {
    int k = c;
    for (int i = 0; i < m; i++) {
      int row = m - 1 - i;
      if (k < row) {
        return new int[] {i, i + 1 + k};
      }
      k -= row;
    }
    throw new IllegalStateException("RbfKernel: pair index " + c + " out of range");
  }

  /** K {@code [L, M, M]}, K_ij = exp(−‖φ_i − φ_j‖² / h), for given squared distances and bandwidth. */
  public static Tensor matrix(Tensor squaredDistances, Tensor bandwidth) {
    return Ops.exp(Ops.neg(Ops.div(squaredDistances, bandwidth)));
  }

  static void requireParticles(Tensor particles) {
    if (particles.rank() != 3) {
      throw new IllegalArgumentException("RbfKernel: particles must be [L, M, P], got " + Arrays.toString(particles.shape()));
    }
  }

  @Override
  public String toString() {
    return isMedianHeuristic() ? "RbfKernel(median heuristic)" : "RbfKernel(h=" + fixed + ")";
  }
}
