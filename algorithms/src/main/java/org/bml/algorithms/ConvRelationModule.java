package org.bml.algorithms;

import java.util.LinkedHashMap;
import java.util.Set;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.Layers;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The relation module of Sung et al. (CVPR 2018, Fig. 2; the authors' Omniglot code) on feature
 * maps C × s × s (from {@link RelationEncoder}): the query's and the class's maps are
 * concatenated along the channels, then two blocks [3×3 conv (padding 1), batch norm, ReLU, 2×2
 * max-pool] (5 → 2 → 1 for s = 5), then a fully connected layer to {@code hidden} units (ReLU,
 * the paper's 8) and one output, the relation score r (the sigmoid is the loss's, see {@link
 * RelationNet.Loss#MSE}).
 *
 * <p>Exact shortcut: a convolution of the channel concatenation [z; c] is the sum of a
 * convolution of z with the first half of the weights and one of c with the second half, so the
 * first convolution runs once per query and once per class ({@code relation.conv0.query.weight},
 * {@code relation.conv0.class.weight}) and is added over the n × k pairs, instead of running on
 * all n × k concatenated pairs; everything after it runs per pair. Batch-norm statistics follow
 * {@link Conv4.BatchNorm}: transductive = over the task's pairs and positions (the paper's code
 * normalises each batch of pairs by its own statistics).
 *
 * <p>Init as the authors' code for the fully connected layers: weights N(0, 0.01²), biases 1 (so
 * every hidden ReLU starts active; with biases near 0 and a sigmoid-MSE objective whose easy
 * minimum is a constant score, the hidden units of a small module die early and the score
 * collapses to a constant, which is what the pooled-vector MLP module did on 20-way Omniglot);
 * convolutions He-uniform as Conv-4's; γ = 1, β = 0.
 */
public final class ConvRelationModule implements RelationNet.RelationModule {
  public static final String CONV0_QUERY = RelationNet.RELATION_PREFIX + "conv0.query.weight";
  public static final String CONV0_CLASS = RelationNet.RELATION_PREFIX + "conv0.class.weight";
  public static final String CONV1 = RelationNet.RELATION_PREFIX + "conv1.weight";
  public static final String FC0_WEIGHT = RelationNet.RELATION_PREFIX + "fc0.weight";
  public static final String FC0_BIAS = RelationNet.RELATION_PREFIX + "fc0.bias";
  public static final String FC1_WEIGHT = RelationNet.RELATION_PREFIX + "fc1.weight";
  public static final String FC1_BIAS = RelationNet.RELATION_PREFIX + "fc1.bias";

  private final int channels;
  private final int side;
  private final int filters;
  private final int hidden;
  private final Conv4.BatchNorm batchNorm;
  private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

  /** The module for a {@link RelationEncoder}'s maps, 64 filters (the paper's). */
  public static ConvRelationModule forEncoder(RelationEncoder encoder, int hidden, Conv4.BatchNorm batchNorm) {
    return new ConvRelationModule(encoder.filters(), encoder.mapSide(), encoder.filters(), hidden, batchNorm);
  }

  /**
   * @param channels C of the input maps
   * @param side s of the input maps (two poolings must leave at least 1: s ≥ 4)
   * @param filters channels of both convolution blocks
   * @param hidden width of the fully connected hidden layer
   */
  public ConvRelationModule(int channels, int side, int filters, int hidden, Conv4.BatchNorm batchNorm) {
    this.channels = Hyper.positiveCount("ConvRelationModule", "channels", channels);
    this.side = Hyper.atLeast("ConvRelationModule", "feature-map side", side, 4);
    this.filters = Hyper.positiveCount("ConvRelationModule", "filters", filters);
    this.hidden = Hyper.positiveCount("ConvRelationModule", "relation hidden width", hidden);
    this.batchNorm = Hyper.nonNull("ConvRelationModule", "batch-norm policy", batchNorm);
    shapes.put(CONV0_QUERY, new long[] {filters, channels, 3, 3});
    shapes.put(CONV0_CLASS, new long[] {filters, channels, 3, 3});
    shapes.put(gamma(0), new long[] {filters});
    shapes.put(beta(0), new long[] {filters});
    shapes.put(CONV1, new long[] {filters, filters, 3, 3});
    shapes.put(gamma(1), new long[] {filters});
    shapes.put(beta(1), new long[] {filters});
    shapes.put(FC0_WEIGHT, new long[] {flatSize(), hidden});
    shapes.put(FC0_BIAS, new long[] {hidden});
    shapes.put(FC1_WEIGHT, new long[] {hidden, 1});
    shapes.put(FC1_BIAS, new long[] {1});
  }

  public static String gamma(int i) {
    return RelationNet.RELATION_PREFIX + "bn" + i + ".gamma";
  }

  public static String beta(int i) {
    return RelationNet.RELATION_PREFIX + "bn" + i + ".beta";
  }

  /** Size of the flattened maps after both poolings: filters · (s/4)². */
  public long flatSize() {
    long s = side / 2 / 2;
    return filters * s * s;
  }

  /** Size of the flattened input maps C · s². */
  public long inputSize() {
    return (long) channels * side * side;
  }

  /** Parameter names and shapes (without task axis), in a fixed order. */
  public LinkedHashMap<String, long[]> parameterShapes() {
    return new LinkedHashMap<>(shapes);
  }

  @Override
  public Params init(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    // The two halves of one convolution over 2C concatenated channels: its fan-in.
    double convBound0 = Math.sqrt(6.0 / (2.0 * channels * 9));
    m.put(CONV0_QUERY, var(Layers.uniform(rng, convBound0, dtype, shapes.get(CONV0_QUERY)), CONV0_QUERY));
    m.put(CONV0_CLASS, var(Layers.uniform(rng, convBound0, dtype, shapes.get(CONV0_CLASS)), CONV0_CLASS));
    m.put(CONV1, var(Layers.uniform(rng, Math.sqrt(6.0 / (filters * 9.0)), dtype, shapes.get(CONV1)), CONV1));
    for (int i = 0; i < 2; i++) {
      m.put(gamma(i), var(Layers.filled(1.0, dtype, filters), gamma(i)));
      m.put(beta(i), var(Layers.filled(0.0, dtype, filters), beta(i)));
    }
    m.put(FC0_WEIGHT, var(normal(rng, 0.01, dtype, shapes.get(FC0_WEIGHT)), FC0_WEIGHT));
    m.put(FC0_BIAS, var(Layers.filled(1.0, dtype, hidden), FC0_BIAS));
    m.put(FC1_WEIGHT, var(normal(rng, 0.01, dtype, shapes.get(FC1_WEIGHT)), FC1_WEIGHT));
    m.put(FC1_BIAS, var(Layers.filled(1.0, dtype, 1), FC1_BIAS));
    // Re-ordered to the declared order (init order above groups by kind).
    LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
    for (String n : shapes.keySet()) {
      ordered.put(n, m.get(n));
    }
    return Params.of(ordered);
  }

  private static Tensor var(org.nd4j.linalg.api.ndarray.INDArray v, String name) {
    return Tensor.variable(v, name);
  }

  private static org.nd4j.linalg.api.ndarray.INDArray normal(SplittableRandom rng, double sd, DataType dtype,
      long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian() * sd;
    }
    return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
  }

  @Override
  public Tensor scores(Params meta, Tensor z, Tensor c) {
    long t = z.size(0);
    long n = z.size(1);
    long k = c.size(1);
    if (z.size(2) != inputSize() || c.size(2) != inputSize()) {
      throw new IllegalArgumentException("ConvRelationModule: expects flattened maps of size " + channels + "×"
          + side + "×" + side + " = " + inputSize() + ", got " + z.size(2) + " (queries) and " + c.size(2)
          + " (classes)");
    }
    Tensor zq = Ops.conv2d(Ops.reshape(z, t, n, channels, side, side), meta.get(CONV0_QUERY), 1, 1);
    Tensor ck = Ops.conv2d(Ops.reshape(c, t, k, channels, side, side), meta.get(CONV0_CLASS), 1, 1);
    Tensor pairs = Ops.reshape(Ops.add(Ops.unsqueeze(zq, 2), Ops.unsqueeze(ck, 1)), t, n * k, filters, side, side);
    Tensor h = Ops.maxPool2x2(normReLU(meta, pairs, 0));
    h = Ops.conv2d(h, meta.get(CONV1), 1, 1);
    h = Ops.maxPool2x2(normReLU(meta, h, 1));
    h = Ops.reshape(h, t, n * k, flatSize());
    h = Ops.relu(Layers.linear(h, meta.get(FC0_WEIGHT), meta.get(FC0_BIAS)));
    return Ops.reshape(Layers.linear(h, meta.get(FC1_WEIGHT), meta.get(FC1_BIAS)), t, n, k);
  }

  private Tensor normReLU(Params meta, Tensor s, int i) {
    int[] axes = batchNorm == Conv4.BatchNorm.TRANSDUCTIVE ? new int[] {1, 3, 4} : new int[] {3, 4};
    Tensor g = Ops.reshape(meta.get(gamma(i)), 1, 1, filters, 1, 1);
    Tensor b = Ops.reshape(meta.get(beta(i)), 1, 1, filters, 1, 1);
    return Ops.relu(Ops.batchNorm(s, g, b, Conv4.BN_EPS, axes));
  }

  @Override
  public Set<String> parameterNames() {
    return shapes.keySet();
  }
}
