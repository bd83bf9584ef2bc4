package org.bml.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Multi-layer perceptron with widths {@code [in, h1, ..., out]}, an activation between layers
 * and a linear output. Parameters {@code layer<i>.weight [w_i, w_{i+1}]} and
 * {@code layer<i>.bias [w_{i+1}]}, initialised U(±1/√fan_in) as PyTorch's Linear.
 */
public final class Mlp implements Model {
  private final int[] widths;
  private final Activation activation;
  private final boolean bias;
  private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

  public Mlp(Activation activation, int... widths) {
    this(activation, true, widths);
  }

  public Mlp(Activation activation, boolean bias, int... widths) {
    if (widths.length < 2) {
      throw new IllegalArgumentException("Mlp: need at least input and output widths, got " + Arrays.toString(widths));
    }
    for (int w : widths) {
      if (w <= 0) {
        throw new IllegalArgumentException("Mlp: widths must be positive, got " + Arrays.toString(widths));
      }
    }
    this.widths = widths.clone();
    this.activation = activation;
    this.bias = bias;
    for (int i = 0; i + 1 < widths.length; i++) {
      shapes.put(weight(i), new long[] {widths[i], widths[i + 1]});
      if (bias) {
        shapes.put(biasName(i), new long[] {widths[i + 1]});
      }
    }
  }

  public int[] widths() {
    return widths.clone();
  }

  /** The activation between layers (none after the last). */
  public Activation activation() {
    return activation;
  }

  public int layers() {
    return widths.length - 1;
  }

  public static String weight(int layer) {
    return "layer" + layer + ".weight";
  }

  public static String biasName(int layer) {
    return "layer" + layer + ".bias";
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return new LinkedHashMap<>(shapes);
  }

  @Override
  public Params init(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < widths.length; i++) {
      double bound = 1.0 / Math.sqrt(widths[i]);
      m.put(weight(i), Tensor.variable(Layers.uniform(rng, bound, dtype, widths[i], widths[i + 1]), weight(i)));
      if (bias) {
        m.put(biasName(i), Tensor.variable(Layers.uniform(rng, bound, dtype, widths[i + 1]), biasName(i)));
      }
    }
    return Params.of(m);
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return forward(params, x, LayerTap.NONE);
  }

  /** The forward pass, reporting each layer's input and pre-activation to the tap ({@link LayerTap#dense}). */
  public Tensor forward(Params params, Tensor x, LayerTap tap) {
    if (x.rank() != 3 || x.size(2) != widths[0]) {
      throw new IllegalArgumentException("Mlp: input must be [T, n, " + widths[0] + "], got " + Arrays.toString(x.shape()));
    }
    Tensor h = x;
    for (int i = 0; i + 1 < widths.length; i++) {
      Tensor s = Layers.linear(h, params.get(weight(i)), bias ? params.get(biasName(i)) : null);
      tap.dense(i, h, s);
      h = i + 2 < widths.length ? activation.apply(s) : s;
    }
    return h;
  }
}
