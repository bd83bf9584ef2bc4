package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Conv4;
import org.bml.core.model.Layers;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A convolutional model whose forward pass reports what the {@link Curvature#KFAC} curvature needs:
 * each convolution's input and output (the KFC factors of Grosse &amp; Martens 2016), each
 * channel-wise scale-and-shift's normalised input and output (a diagonal block), and each dense
 * layer's input and pre-activation (the dense K-FAC of Martens &amp; Grosse 2015). Every parameter
 * belongs to exactly one of these.
 *
 * <p>Inputs are images {@code [T, n, C, H, W]} with the leading task axis; convolutions are
 * cross-correlations with weights {@code [O, C, k, k]} as in {@link Ops#conv2d}.
 *
 * <p>The K-FAC curvature per task, with Λ = Σ_r c_r c_rᵀ the output distribution's curvature and
 * one reverse pass of c_rᵀ f per factor column r:
 * <ul>
 *   <li>a convolution's block (out-major, matching the {@code [O, C·k·k]} weight) is A ⊗ G with
 *       KFC's normalisation A = Ω = (1/n) Σ_i Σ_t ā_it ā_itᵀ (input patches at every output
 *       position t, in the weight's [C, k, k] order, a 1 appended with a bias) and
 *       G = Γ = (1/|T|) Σ_i Σ_t Σ_r g_itr g_itrᵀ (output-gradient maps, |T| output positions), so
 *       A ⊗ G is Σ over the n examples of KFC's Ω ⊗ Γ;
 *   <li>a scale-shift's parameters get a diagonal block Σ_i Σ_r d_ir², d_ir the point's own share
 *       of the parameter's gradient (Σ over positions of ∂(c_rᵀ f)/∂y · x̂ for the scale, of
 *       ∂(c_rᵀ f)/∂y for the shift);
 *   <li>a dense layer's block is the dense K-FAC's (A = (1/n) Σ ā āᵀ, G = Σ_r Σ_i g gᵀ).
 * </ul>
 * With batch-norm's per-task batch statistics the points of a task interact, so point i's map also
 * carries the statistic-mediated influence of the other points' outputs; K-FAC treats it as point
 * i's own (as reference K-FAC implementations do for batch-norm in training mode). Without such
 * interactions the maps are exactly per point.
 */
public interface ConvNetwork extends Model {
  /**
   * One convolution s = conv2d(a, W) (+ b per output channel), a {@code [T, n, C, H, W]},
   * W {@code [out, in, k, k]}, s {@code [T, n, out, H', W']}.
   *
   * @param weight the weight's parameter name
   * @param bias the bias's parameter name, or null for a convolution without bias
   */
  record ConvLayer(String weight, String bias, int in, int out, int kernel, int stride, int padding) {
    public ConvLayer {
      if (weight == null || in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
        throw new IllegalArgumentException("ConvNetwork.ConvLayer: need a weight name, positive channels, kernel and"
            + " stride and padding >= 0, got " + weight + " " + in + "->" + out + " k=" + kernel + " stride=" + stride
            + " padding=" + padding);
      }
    }

    /** C·k·k (+1 with a bias): the rows of the KFC input factor. */
    public int patchSize() {
      return in * kernel * kernel + (bias == null ? 0 : 1);
    }
  }

  /**
   * A channel-wise affine map y = x̂ · scale + shift (batch-norm's γ and β, each {@code [channels]}),
   * x̂ {@code [T, n, channels, H, W]}.
   */
  record ScaleShift(String scale, String shift, int channels) {
    public ScaleShift {
      if (scale == null || shift == null || channels <= 0) {
        throw new IllegalArgumentException("ConvNetwork.ScaleShift: need scale and shift names and positive channels,"
            + " got " + scale + ", " + shift + ", " + channels);
      }
    }
  }

  /** Receives, during {@link #forward(Params, Tensor, Tap)}, what each layer saw and produced. */
  interface Tap {
    /** Convolution {@code index}: its input a and its output s (before any bias-free normalisation). */
    void conv(int index, Tensor input, Tensor output);

    /** Scale-shift {@code index}: its normalised input x̂ and its output y. */
    void scaleShift(int index, Tensor normalized, Tensor output);

    /** Dense layer {@code index}: its input a and pre-activation s. */
    void dense(int index, Tensor input, Tensor preActivation);
  }

  /** The convolutions, in forward order. */
  List<ConvLayer> convLayers();

  /** The channel-wise scale-shift maps, in forward order. */
  List<ScaleShift> scaleShifts();

  /** The dense layers, in forward order. */
  List<DenseNetwork.Layer> denseLayers();

  /** {@link #forward(Params, Tensor)} reporting every layer to the tap. */
  Tensor forward(Params params, Tensor x, Tap tap);

  /**
   * {@link Conv4} as a convolutional network: four convolutions (3×3, padding 1, no bias), four
   * batch-norm scale-shifts, and the dense head. Checked: the two forward passes must agree on the
   * Conv4's own seeded initial parameters.
   *
   * @throws IllegalArgumentException if they do not
   */
  static ConvNetwork conv4(Conv4 conv4) {
    return new Conv4Network(conv4);
  }

  /** The {@link Conv4} adapter of {@link ConvNetwork#conv4}. */
  final class Conv4Network implements ConvNetwork {
    private static final String HEAD_WEIGHT = "head.weight";
    private static final String HEAD_BIAS = "head.bias";
    private final Conv4 conv4;
    private final List<ConvLayer> convs = new ArrayList<>();
    private final List<ScaleShift> norms = new ArrayList<>();
    private final List<DenseNetwork.Layer> dense = new ArrayList<>();
    private final int imageSize;

    private Conv4Network(Conv4 conv4) {
      if (conv4 == null) {
        throw new IllegalArgumentException("ConvNetwork.conv4: the Conv4 must be given");
      }
      this.conv4 = conv4;
      LinkedHashMap<String, long[]> shapes = conv4.parameterShapes();
      for (int i = 0; i < 4; i++) {
        long[] w = shapes.get(Conv4.conv(i));
        convs.add(new ConvLayer(Conv4.conv(i), null, (int) w[1], (int) w[0], (int) w[2], 1, 1));
        norms.add(new ScaleShift(Conv4.gamma(i), Conv4.beta(i), (int) w[0]));
      }
      long[] head = shapes.get(HEAD_WEIGHT);
      dense.add(new DenseNetwork.Layer(HEAD_WEIGHT, HEAD_BIAS, (int) head[0], (int) head[1]));
      this.imageSize = findImageSize(conv4, convs.get(0).in());
      Params p = conv4.init(7, DataType.DOUBLE);
      Tensor x = Tensor.constant(GradientCheck.uniform(11, -1, 1, 2, 3, convs.get(0).in(), imageSize, imageSize));
      double diff = conv4.forward(p, x).value().sub(forward(p, x, NO_TAP).value()).amax().getDouble(0);
      if (!(diff <= 1e-12)) {
        throw new IllegalArgumentException("ConvNetwork.conv4: the adapter does not reproduce the Conv4's outputs (max"
            + " difference " + diff + ")");
      }
    }

    // Conv4 does not expose its image size: the embedding fixes it up to floor(size/16), and the input
    // check of Conv4.embed (which throws before computing anything) picks the one it was built with.
    private static int findImageSize(Conv4 conv4, int channels) {
      long side = Math.round(Math.sqrt(conv4.embeddingSize() / (double) conv4.parameterShapes().get(Conv4.conv(0))[0]));
      for (long s = 16 * side; s < 16 * side + 16; s++) {
        Tensor probe = Tensor.constant(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, 1, channels, s, s));
        try {
          conv4.embed(conv4.init(0, DataType.DOUBLE), probe);
          return (int) s;
        } catch (IllegalArgumentException wrongSize) {
          // try the next size
        }
      }
      throw new IllegalArgumentException("ConvNetwork.conv4: cannot determine the image size of " + conv4);
    }

    private static final Tap NO_TAP = new Tap() {
      @Override
      public void conv(int index, Tensor input, Tensor output) {}

      @Override
      public void scaleShift(int index, Tensor normalized, Tensor output) {}

      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {}
    };

    public Conv4 conv4() {
      return conv4;
    }

    /** The image side the Conv4 was built for. */
    public int imageSize() {
      return imageSize;
    }

    @Override
    public List<ConvLayer> convLayers() {
      return List.copyOf(convs);
    }

    @Override
    public List<ScaleShift> scaleShifts() {
      return List.copyOf(norms);
    }

    @Override
    public List<DenseNetwork.Layer> denseLayers() {
      return List.copyOf(dense);
    }

    /** Conv4's blocks with the same ops in the same order (batch-norm written out to expose x̂). */
    @Override
    public Tensor forward(Params params, Tensor x, Tap tap) {
      if (x.rank() != 5 || x.size(2) != convs.get(0).in() || x.size(3) != imageSize || x.size(4) != imageSize) {
        throw new IllegalArgumentException("ConvNetwork.conv4: input must be [T, n, " + convs.get(0).in() + ", "
            + imageSize + ", " + imageSize + "], got " + Arrays.toString(x.shape()));
      }
      long t = x.size(0);
      long n = x.size(1);
      Tensor h = x;
      for (int i = 0; i < 4; i++) {
        Tensor s = Ops.conv2d(h, params.get(Conv4.conv(i)), 1, 1);
        tap.conv(i, h, s);
        // Ops.batchNorm(s, γ, β, ε, 1, 3, 4), step by step.
        Tensor centered = Ops.sub(s, Ops.mean(s, true, 1, 3, 4));
        Tensor var = Ops.mean(Ops.square(centered), true, 1, 3, 4);
        Tensor normed = Ops.div(centered, Ops.sqrt(Ops.addScalar(var, Conv4.BN_EPS)));
        Tensor y = Ops.add(Ops.mul(normed, channelwise(params.get(Conv4.gamma(i)), t)),
            channelwise(params.get(Conv4.beta(i)), t));
        tap.scaleShift(i, normed, y);
        h = Ops.maxPool2x2(Ops.relu(y));
      }
      Tensor embedding = Ops.reshape(h, t, n, conv4.embeddingSize());
      Tensor out = Layers.linear(embedding, params.get(HEAD_WEIGHT), params.get(HEAD_BIAS));
      tap.dense(0, embedding, out);
      return out;
    }

    // As Conv4: [C] → [1, 1, C, 1, 1] (shared) or [T, C] → [T, 1, C, 1, 1] (per task).
    private static Tensor channelwise(Tensor p, long t) {
      return p.rank() == 1 ? Ops.reshape(p, 1, 1, p.size(0), 1, 1) : Ops.reshape(p, t, 1, p.size(1), 1, 1);
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
      return conv4.parameterShapes();
    }

    @Override
    public Params init(long seed, DataType dtype) {
      return conv4.init(seed, dtype);
    }

    @Override
    public Tensor forward(Params params, Tensor x) {
      return conv4.forward(params, x);
    }

    @Override
    public String toString() {
      return "ConvNetwork.conv4(" + conv4.parameterShapes().get(Conv4.conv(0))[0] + " filters, " + imageSize + "px)";
    }
  }
}
