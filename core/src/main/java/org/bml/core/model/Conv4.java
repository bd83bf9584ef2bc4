package org.bml.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The Conv-4 of the few-shot literature (Vinyals et al. 2016; Finn et al. 2017): four blocks of
 * [3×3 conv with 64 filters and padding 1, batch-norm with per-task batch statistics, ReLU, 2×2
 * max-pool], mapping 28×28×1 images to a 64-d embedding (28→14→7→3→1), then a linear head.
 * Convolutions carry no bias: the batch-norm shift that follows makes it redundant.
 *
 * <p>Input {@code [T, n, C, H, W]}. The batch-norm policy ({@link BatchNorm}) is explicit:
 * {@link BatchNorm#TRANSDUCTIVE} (the default, MAML's convention at both training and test time)
 * takes statistics over each task's examples in the call, so a query point's prediction depends on
 * the other query points predicted with it; {@link BatchNorm#PER_EXAMPLE} takes them over each
 * example's own spatial positions only (instance statistics), so no prediction sees another example.
 */
public final class Conv4 implements Model {
  public static final double BN_EPS = 1e-5;
  private final int channels;
  private final int filters;
  private final int outputs;
  private final int imageSize;
  private final BatchNorm batchNorm;

  /** Where the normalisation statistics of each block come from. */
  public enum BatchNorm {
    /** Mean and variance over the task's examples and spatial positions (axes n, H, W). */
    TRANSDUCTIVE,
    /** Mean and variance over one example's spatial positions (axes H, W): no cross-example dependence. */
    PER_EXAMPLE
  }
  private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

  /** The standard Omniglot Conv-4: 1 input channel, 64 filters, 28×28 images. */
  public Conv4(int outputs) {
    this(1, 64, 28, outputs);
  }

  public Conv4(int channels, int filters, int imageSize, int outputs) {
    this(channels, filters, imageSize, outputs, BatchNorm.TRANSDUCTIVE);
  }

  public Conv4(int channels, int filters, int imageSize, int outputs, BatchNorm batchNorm) {
    if (batchNorm == null) {
      throw new IllegalArgumentException("Conv4: a batch-norm policy must be given");
    }
    this.batchNorm = batchNorm;
    if (channels <= 0 || filters <= 0 || outputs <= 0 || imageSize < 16) {
      throw new IllegalArgumentException("Conv4: channels, filters, outputs must be positive and images at least 16 px;"
          + " got channels=" + channels + " filters=" + filters + " outputs=" + outputs + " imageSize=" + imageSize);
    }
    this.channels = channels;
    this.filters = filters;
    this.outputs = outputs;
    this.imageSize = imageSize;
    for (int i = 0; i < 4; i++) {
      shapes.put(conv(i), new long[] {filters, i == 0 ? channels : filters, 3, 3});
      shapes.put(gamma(i), new long[] {filters});
      shapes.put(beta(i), new long[] {filters});
    }
    shapes.put(HEAD_WEIGHT, new long[] {embeddingSize(), outputs});
    shapes.put(HEAD_BIAS, new long[] {outputs});
  }

  /** The parameter names of the linear head (stored in checkpoints: never renamed). */
  public static final String HEAD_WEIGHT = ParamNames.HEAD_WEIGHT;
  public static final String HEAD_BIAS = ParamNames.HEAD_BIAS;

  public BatchNorm batchNorm() {
    return batchNorm;
  }

  /** The side of the square input images, H = W. */
  public int imageSize() {
    return imageSize;
  }

  /** Input channels C. */
  public int channels() {
    return channels;
  }

  /** Filters of each block. */
  public int filters() {
    return filters;
  }

  /** Outputs of the head. */
  public int outputs() {
    return outputs;
  }

  /** The head's parameter names, weight then bias (what ANIL adapts). */
  public static java.util.List<String> headNames() {
    return java.util.List.of(HEAD_WEIGHT, HEAD_BIAS);
  }

  public static String conv(int i) {
    return "conv" + i + ".weight";
  }

  public static String gamma(int i) {
    return "bn" + i + ".gamma";
  }

  public static String beta(int i) {
    return "bn" + i + ".beta";
  }

  /** Flattened size of the last block's output. */
  public long embeddingSize() {
    long s = imageSize;
    for (int i = 0; i < 4; i++) {
      s = s / 2;
    }
    return s * s * filters;
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return new LinkedHashMap<>(shapes);
  }

  @Override
  public Params init(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      long fanIn = (i == 0 ? channels : filters) * 9L;
      // He-uniform suits ReLU blocks (PyTorch's kaiming_uniform with a=√5 gives bound 1/√fan_in).
      m.put(conv(i), Tensor.variable(Layers.uniform(rng, Math.sqrt(6.0 / fanIn), dtype, shapes.get(conv(i))), conv(i)));
      m.put(gamma(i), Tensor.variable(Layers.filled(1.0, dtype, filters), gamma(i)));
      m.put(beta(i), Tensor.variable(Layers.filled(0.0, dtype, filters), beta(i)));
    }
    double bound = 1.0 / Math.sqrt(embeddingSize());
    m.put(HEAD_WEIGHT, Tensor.variable(Layers.uniform(rng, bound, dtype, embeddingSize(), outputs), HEAD_WEIGHT));
    m.put(HEAD_BIAS, Tensor.variable(Layers.uniform(rng, bound, dtype, outputs), HEAD_BIAS));
    return Params.of(m);
  }

  /** The 64-d (for 28×28 input) embedding {@code [T, n, embeddingSize]}, before the head. */
  public Tensor embed(Params params, Tensor x) {
    return embed(params, x, null);
  }

  // tap == null: the fused Ops.batchNorm (training's ops); otherwise batch-norm written out to expose x̂.
  private Tensor embed(Params params, Tensor x, LayerTap tap) {
    if (x.rank() != 5 || x.size(2) != channels || x.size(3) != imageSize || x.size(4) != imageSize) {
      throw new IllegalArgumentException("Conv4: input must be [T, n, " + channels + ", " + imageSize + ", "
          + imageSize + "], got " + Arrays.toString(x.shape()));
    }
    long t = x.size(0);
    long n = x.size(1);
    int[] axes = batchNorm == BatchNorm.TRANSDUCTIVE ? new int[] {1, 3, 4} : new int[] {3, 4};
    Tensor h = x;
    for (int i = 0; i < 4; i++) {
      Tensor s = Ops.conv2d(h, params.get(conv(i)), 1, 1);
      Tensor g = channelwise(params.get(gamma(i)), t);
      Tensor b = channelwise(params.get(beta(i)), t);
      Tensor y;
      if (tap == null) {
        y = Ops.batchNorm(s, g, b, BN_EPS, axes);
      } else {
        tap.conv(i, h, s);
        Tensor centered = Ops.sub(s, Ops.mean(s, true, axes));
        Tensor var = Ops.mean(Ops.square(centered), true, axes);
        Tensor normed = Ops.div(centered, Ops.sqrt(Ops.addScalar(var, BN_EPS)));
        y = Ops.add(Ops.mul(normed, g), b);
        tap.scaleShift(i, normed, y);
      }
      h = Ops.maxPool2x2(Ops.relu(y));
    }
    return Ops.reshape(h, t, n, embeddingSize());
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return Layers.linear(embed(params, x), params.get(HEAD_WEIGHT), params.get(HEAD_BIAS));
  }

  /**
   * The forward pass reporting each convolution ({@link LayerTap#conv}), each batch-norm's
   * normalised input and output ({@link LayerTap#scaleShift}) and the head ({@link LayerTap#dense})
   * to the tap. Batch-norm is written out here to expose x̂, so the outputs equal
   * {@link #forward(Params, Tensor)}'s up to rounding (≤ 1e-12 in float64), not bit for bit.
   */
  public Tensor forward(Params params, Tensor x, LayerTap tap) {
    Tensor embedding = embed(params, x, Objects.requireNonNull(tap, "Conv4.forward: tap (use LayerTap.NONE)"));
    Tensor out = Layers.linear(embedding, params.get(HEAD_WEIGHT), params.get(HEAD_BIAS));
    tap.dense(0, embedding, out);
    return out;
  }

  // [C] → [1, 1, C, 1, 1] (shared) or [T, C] → [T, 1, C, 1, 1] (per task), broadcasting over [T, n, C, H, W].
  private static Tensor channelwise(Tensor p, long t) {
    return p.rank() == 1 ? Ops.reshape(p, 1, 1, p.size(0), 1, 1) : Ops.reshape(p, t, 1, p.size(1), 1, 1);
  }
}
