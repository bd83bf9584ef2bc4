package org.bml.algorithms;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.Layers;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The embedding of relation networks (Sung et al., "Learning to Compare", CVPR 2018, Fig. 2 and
 * the authors' Omniglot code): four blocks of [3×3 conv with 64 filters, batch norm, ReLU], the
 * first two unpadded and followed by 2×2 max-pooling, the last two padded and not pooled, so that
 * 28×28 Omniglot images map to <em>feature maps</em> 64 × 5 × 5 (28→26→13→11→5→5→5) rather than
 * to Conv-4's pooled 64 × 1 × 1 vector. The relation module compares these maps with its own
 * convolutions ({@link ConvRelationModule}).
 *
 * <p>The output is the flattened map {@code [T, n, filters·side·side]} (channel-major), so the
 * class feature of {@link RelationNet} (the per-class mean) is the mean map. Batch-norm statistics
 * follow {@link Conv4.BatchNorm}: over the task's examples of the call and the positions
 * (transductive; what the paper's code does, which normalises each batch by its own statistics) or
 * over one example's positions. Convolutions carry no bias (the batch-norm shift makes it
 * redundant); init He-uniform as Conv-4's.
 */
public final class RelationEncoder implements Model {
  private final int channels;
  private final int filters;
  private final int imageSize;
  private final Conv4.BatchNorm batchNorm;
  private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

  /** The paper's Omniglot encoder: 1 channel, 64 filters, 28×28 images, transductive batch norm. */
  public static RelationEncoder omniglot() {
    return new RelationEncoder(1, 64, 28, Conv4.BatchNorm.TRANSDUCTIVE);
  }

  public RelationEncoder(int channels, int filters, int imageSize, Conv4.BatchNorm batchNorm) {
    this.channels = Hyper.positiveCount("RelationEncoder", "channels", channels);
    this.filters = Hyper.positiveCount("RelationEncoder", "filters", filters);
    this.batchNorm = Hyper.nonNull("RelationEncoder", "batch-norm policy", batchNorm);
    if (mapSide(imageSize) < 2) {
      throw new IllegalArgumentException("RelationEncoder: images of " + imageSize
          + " px give feature maps smaller than 2×2 (need at least 14 px)");
    }
    this.imageSize = imageSize;
    for (int i = 0; i < 4; i++) {
      shapes.put(Conv4.conv(i), new long[] {filters, i == 0 ? channels : filters, 3, 3});
      shapes.put(Conv4.gamma(i), new long[] {filters});
      shapes.put(Conv4.beta(i), new long[] {filters});
    }
  }

  // 3×3 unpadded conv (−2) and pool (÷2), twice; the padded blocks keep the side.
  private static long mapSide(long imageSize) {
    return ((imageSize - 2) / 2 - 2) / 2;
  }

  /** Channels of the output maps. */
  public int filters() {
    return filters;
  }

  /** Side of the square output maps (5 for 28×28 images). */
  public int mapSide() {
    return Math.toIntExact(mapSide(imageSize));
  }

  /** Flattened output size filters · side². */
  public long embeddingSize() {
    return (long) filters * mapSide() * mapSide();
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
      m.put(Conv4.conv(i), Tensor.variable(
          Layers.uniform(rng, Math.sqrt(6.0 / fanIn), dtype, shapes.get(Conv4.conv(i))), Conv4.conv(i)));
      m.put(Conv4.gamma(i), Tensor.variable(Layers.filled(1.0, dtype, filters), Conv4.gamma(i)));
      m.put(Conv4.beta(i), Tensor.variable(Layers.filled(0.0, dtype, filters), Conv4.beta(i)));
    }
    return Params.of(m);
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    if (x.rank() != 5 || x.size(2) != channels || x.size(3) != imageSize || x.size(4) != imageSize) {
      throw new IllegalArgumentException("RelationEncoder: input must be [T, n, " + channels + ", " + imageSize
          + ", " + imageSize + "], got " + Arrays.toString(x.shape()));
    }
    Tensor h = x;
    for (int i = 0; i < 4; i++) {
      h = block(params, h, Conv4.conv(i), Conv4.gamma(i), Conv4.beta(i), i < 2 ? 0 : 1, batchNorm);
      if (i < 2) {
        h = Ops.maxPool2x2(h);
      }
    }
    return Ops.reshape(h, x.size(0), x.size(1), embeddingSize());
  }

  /** conv (no bias) → batch norm → ReLU on {@code [T, n, C, H, W]}; γ, β shared {@code [F]}. */
  static Tensor block(Params params, Tensor h, String conv, String gamma, String beta, int padding,
      Conv4.BatchNorm batchNorm) {
    Tensor s = Ops.conv2d(h, params.get(conv), 1, padding);
    long f = s.size(2);
    int[] axes = batchNorm == Conv4.BatchNorm.TRANSDUCTIVE ? new int[] {1, 3, 4} : new int[] {3, 4};
    Tensor g = Ops.reshape(params.get(gamma), 1, 1, f, 1, 1);
    Tensor b = Ops.reshape(params.get(beta), 1, 1, f, 1, 1);
    return Ops.relu(Ops.batchNorm(s, g, b, Conv4.BN_EPS, axes));
  }
}
