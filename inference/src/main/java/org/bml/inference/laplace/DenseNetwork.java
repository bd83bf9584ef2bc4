package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.LayerTap;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;

/**
 * A model made of dense layers s = a · W + b whose forward pass can report each layer's input a
 * and pre-activation s: what the {@link Curvature#KFAC} curvature needs. Each point's output must
 * depend on that point's input only (no batch statistics), so the pre-activation gradients are per
 * point.
 */
public interface DenseNetwork extends Model {
  /**
   * One dense layer: pre-activation {@code s [T, n, out] = a [T, n, in] · W [in, out] + b [out]}.
   *
   * @param weight the weight's parameter name
   * @param bias the bias's parameter name, or null for a layer without bias
   */
  record Layer(String weight, String bias, int in, int out) {
    public Layer {
      if (weight == null || in <= 0 || out <= 0) {
        throw new IllegalArgumentException("DenseNetwork.Layer: need a weight name and positive sizes, got "
            + weight + " " + in + "x" + out);
      }
    }
  }

  /** Receives, during {@link #forward(Params, Tensor, Tap)}, each layer's input and pre-activation. */
  @FunctionalInterface
  interface Tap {
    void layer(int index, Tensor input, Tensor preActivation);
  }

  /** The dense layers, in forward order. */
  List<Layer> denseLayers();

  /** {@link #forward(Params, Tensor)} reporting every layer's input and pre-activation to the tap. */
  Tensor forward(Params params, Tensor x, Tap tap);

  /**
   * An {@link Mlp} as a dense network, stating the activation it expects the Mlp to have.
   *
   * @throws IllegalArgumentException if the Mlp has hidden layers with another activation
   */
  static DenseNetwork mlp(Mlp mlp, Activation activation) {
    return new MlpNetwork(mlp, activation);
  }

  /** An {@link Mlp} as a dense network: a view of its layers and of its tapped forward pass. */
  static DenseNetwork mlp(Mlp mlp) {
    if (mlp == null) {
      throw new IllegalArgumentException("DenseNetwork.mlp: the Mlp must be given");
    }
    return new MlpNetwork(mlp, mlp.activation());
  }

  /** The {@link Mlp} adapter of {@link DenseNetwork#mlp}. */
  final class MlpNetwork extends ModelView implements DenseNetwork {
    private final Mlp mlp;
    private final Activation activation;
    private final List<Layer> layers = new ArrayList<>();

    private MlpNetwork(Mlp mlp, Activation activation) {
      super(requireMlp(mlp, activation));
      // With one layer no activation is applied, so any stated one describes the Mlp.
      if (mlp.layers() > 1 && activation != mlp.activation()) {
        throw new IllegalArgumentException("DenseNetwork.mlp: activation " + activation + " is not the Mlp's ("
            + mlp.activation() + "): pass the activation the Mlp was built with");
      }
      this.mlp = mlp;
      this.activation = activation;
      int[] w = mlp.widths();
      LinkedHashMap<String, long[]> shapes = mlp.parameterShapes();
      for (int i = 0; i + 1 < w.length; i++) {
        String bias = shapes.containsKey(Mlp.biasName(i)) ? Mlp.biasName(i) : null;
        layers.add(new Layer(Mlp.weight(i), bias, w[i], w[i + 1]));
      }
    }

    private static Mlp requireMlp(Mlp mlp, Activation activation) {
      if (mlp == null || activation == null) {
        throw new IllegalArgumentException("DenseNetwork.mlp: the Mlp and its activation must be given");
      }
      return mlp;
    }

    public Mlp mlp() {
      return mlp;
    }

    public Activation activation() {
      return activation;
    }

    @Override
    public List<Layer> denseLayers() {
      return List.copyOf(layers);
    }

    /** The Mlp's own tapped forward pass ({@link Mlp#forward(Params, Tensor, LayerTap)}). */
    @Override
    public Tensor forward(Params params, Tensor x, Tap tap) {
      return mlp.forward(params, x, new LayerTap() {
        @Override
        public void dense(int index, Tensor input, Tensor preActivation) {
          tap.layer(index, input, preActivation);
        }
      });
    }

    @Override
    public String toString() {
      return "DenseNetwork.mlp(" + Arrays.toString(mlp.widths()) + ", " + activation + ")";
    }
  }
}
