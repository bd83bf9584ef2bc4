package org.bml.inference;

import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The categorical (softmax) output distribution with a Monte-Carlo factor of its Fisher: S labels
 * y_s ~ Cat(softmax(f)) are drawn from the model's own predictive at every point, and the factor's
 * columns are the sampled labels' log-likelihood gradients in f,
 *
 * <pre>  c_s = (e_{y_s} − p) / √S,   Σ_s c_s c_sᵀ = (1/S) Σ_s ∇_f log p(y_s | f) ∇_f log p(y_s | f)ᵀ,</pre>
 *
 * an unbiased estimate of Λ = E_y[∇ log p ∇ log pᵀ] = diag(p) − p pᵀ (Martens &amp; Grosse 2015,
 * "Optimizing neural networks with Kronecker-factored approximate curvature", §5: K-FAC's G is
 * estimated from targets sampled from the model's predictive distribution, one reverse pass per
 * sample). A curvature built from these columns costs S reverse passes instead of the O = number of
 * classes of the exact factor ({@link OutputDistribution#categorical}); the log-density is the
 * exact one.
 *
 * <p>Seeded and deterministic: the uniforms u[t][i][s] behind the labels come from
 * {@code new SplittableRandom(seed)} in (task, point, sample) order, the same at every call, and
 * y = min{k : Σ_{j ≤ k} p_j ≥ u} (inverse CDF, p in float64). So for a fixed seed the factor is a
 * function of f (piecewise smooth: the labels are constant between the points where a cumulative
 * probability crosses a uniform, and the columns are differentiated with the labels held fixed),
 * and a meta-gradient through it is the gradient of a deterministic function of θ. Each call's
 * estimate is unbiased for its own f; successive tasks get independent labels through their own
 * predictive, not through fresh uniforms.
 */
public final class SampledCategorical implements OutputDistribution {
  private final int samples;
  private final long seed;

  /**
   * @param samples S ≥ 1 labels drawn per point (the factor's rank)
   * @param seed the seed of the uniforms
   * @throws IllegalArgumentException when S &lt; 1
   */
  public SampledCategorical(int samples, long seed) {
    if (samples < 1) {
      throw new IllegalArgumentException("SampledCategorical: the number of Monte-Carlo samples must be >= 1, got "
          + samples);
    }
    this.samples = samples;
    this.seed = seed;
  }

  public int samples() {
    return samples;
  }

  public long seed() {
    return seed;
  }

  @Override
  public Tensor logDensity(Tensor f, Tensor y) {
    return Ops.neg(Ops.softmaxCrossEntropy(f, y, -1));
  }

  /** S, whatever the number of classes. */
  @Override
  public int factorRank(long outputs) {
    return samples;
  }

  @Override
  public INDArray factorColumn(INDArray f, int r) {
    INDArray p = softmax(f);
    return oneHot(labelsOf(p), r, DataType.DOUBLE, f.shape()).subi(p).muli(1.0 / Math.sqrt(samples))
        .castTo(f.dataType());
  }

  @Override
  public Tensor factorColumn(Tensor f, int r) {
    // The labels are drawn from p's value and held fixed; the column depends on f through p.
    int[][][] y = labelsOf(softmax(f.value()));
    Tensor e = Tensor.constant(oneHot(y, r, f.dtype(), f.shape()));
    return Ops.mulScalar(Ops.sub(e, Ops.softmax(f, 2)), 1.0 / Math.sqrt(samples));
  }

  /** The sampled labels y[t][i][s] for outputs f {@code [T, n, O]} (float64 softmax, this seed). */
  public int[][][] labels(INDArray f) {
    return labelsOf(softmax(f));
  }

  private int[][][] labelsOf(INDArray p) {
    long[] s = p.shape();
    if (s.length != 3) {
      throw new IllegalArgumentException("SampledCategorical: outputs must be [T, n, O], got rank " + s.length);
    }
    int t = (int) s[0];
    int n = (int) s[1];
    int o = (int) s[2];
    double[] flat = p.dup('c').data().asDouble();
    SplittableRandom rng = new SplittableRandom(seed);
    int[][][] y = new int[t][n][samples];
    for (int task = 0; task < t; task++) {
      for (int i = 0; i < n; i++) {
        int base = (task * n + i) * o;
        for (int k = 0; k < samples; k++) {
          double u = rng.nextDouble();
          double cum = 0;
          int label = o - 1; // rounding: a u above the float sum of p lands in the last class
          for (int c = 0; c < o; c++) {
            cum += flat[base + c];
            if (u < cum) {
              label = c;
              break;
            }
          }
          y[task][i][k] = label;
        }
      }
    }
    return y;
  }

  private static INDArray softmax(INDArray f) {
    INDArray fd = f.castTo(DataType.DOUBLE);
    INDArray max = fd.max(true, 2);
    INDArray e = Transforms.exp(fd.sub(max.broadcast(fd.shape())), false);
    return e.div(e.sum(true, 2).broadcast(fd.shape()));
  }

  // e_{y[t][i][r]} at every point, [T, n, O].
  private static INDArray oneHot(int[][][] y, int r, DataType dtype, long[] shape) {
    INDArray e = Nd4j.zeros(dtype, shape);
    for (int task = 0; task < y.length; task++) {
      for (int i = 0; i < y[task].length; i++) {
        e.putScalar(new long[] {task, i, y[task][i][r]}, 1.0);
      }
    }
    return e;
  }

  @Override
  public String toString() {
    return "Categorical(softmax, Monte-Carlo Fisher: " + samples + " sample(s), seed " + seed + ")";
  }
}
