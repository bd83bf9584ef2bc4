package org.bml.core.model;

import org.bml.core.autodiff.Tensor;

/**
 * Receives, during a model's tapped forward pass ({@link Mlp#forward(Params, Tensor, LayerTap)},
 * {@link Conv4#forward(Params, Tensor, LayerTap)}), what each layer saw and produced, so that code
 * which needs the activations (the K-FAC curvature of {@code inference.laplace}) views the model's
 * own forward pass instead of re-implementing it. Every callback defaults to doing nothing; the
 * tensors are the tape's own, so anything computed from them stays differentiable.
 */
public interface LayerTap {
  /** A tap that records nothing. */
  LayerTap NONE = new LayerTap() {};

  /** Dense layer {@code index} (in forward order): its input a and pre-activation s = a·W + b. */
  default void dense(int index, Tensor input, Tensor preActivation) {}

  /** Convolution {@code index}: its input a and output s (before normalisation). */
  default void conv(int index, Tensor input, Tensor output) {}

  /** Channel-wise scale-shift {@code index} (batch-norm's γ, β): its normalised input x̂ and output y. */
  default void scaleShift(int index, Tensor normalized, Tensor output) {}
}
