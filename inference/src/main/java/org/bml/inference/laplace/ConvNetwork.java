package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.LayerTap;
import org.bml.core.model.Model;
import org.bml.core.model.Params;

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
   * batch-norm scale-shifts, and the dense head, reported by the Conv4's own tapped forward pass
   * ({@link Conv4#forward(Params, Tensor, LayerTap)}).
   */
  static ConvNetwork conv4(Conv4 conv4) {
    return new Conv4Network(conv4);
  }

  /** The {@link Conv4} adapter of {@link ConvNetwork#conv4}: a view of the Conv4's layers and its tap. */
  final class Conv4Network extends ModelView implements ConvNetwork {
    private final Conv4 conv4;
    private final List<ConvLayer> convs = new ArrayList<>();
    private final List<ScaleShift> norms = new ArrayList<>();
    private final List<DenseNetwork.Layer> dense = new ArrayList<>();

    private Conv4Network(Conv4 conv4) {
      super(requireConv4(conv4));
      this.conv4 = conv4;
      LinkedHashMap<String, long[]> shapes = conv4.parameterShapes();
      for (int i = 0; i < 4; i++) {
        long[] w = shapes.get(Conv4.conv(i));
        convs.add(new ConvLayer(Conv4.conv(i), null, (int) w[1], (int) w[0], (int) w[2], 1, 1));
        norms.add(new ScaleShift(Conv4.gamma(i), Conv4.beta(i), (int) w[0]));
      }
      long[] head = shapes.get(Conv4.HEAD_WEIGHT);
      dense.add(new DenseNetwork.Layer(Conv4.HEAD_WEIGHT, Conv4.HEAD_BIAS, (int) head[0], (int) head[1]));
    }

    private static Conv4 requireConv4(Conv4 conv4) {
      if (conv4 == null) {
        throw new IllegalArgumentException("ConvNetwork.conv4: the Conv4 must be given");
      }
      return conv4;
    }

    public Conv4 conv4() {
      return conv4;
    }

    /** The image side the Conv4 was built for. */
    public int imageSize() {
      return conv4.imageSize();
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

    /** The Conv4's own tapped forward pass, its reports passed on. */
    @Override
    public Tensor forward(Params params, Tensor x, Tap tap) {
      return conv4.forward(params, x, new LayerTap() {
        @Override
        public void conv(int index, Tensor input, Tensor output) {
          tap.conv(index, input, output);
        }

        @Override
        public void scaleShift(int index, Tensor normalized, Tensor output) {
          tap.scaleShift(index, normalized, output);
        }

        @Override
        public void dense(int index, Tensor input, Tensor preActivation) {
          tap.dense(index, input, preActivation);
        }
      });
    }

    @Override
    public String toString() {
      return "ConvNetwork.conv4(" + conv4.filters() + " filters, " + conv4.imageSize() + "px)";
    }
  }
}
