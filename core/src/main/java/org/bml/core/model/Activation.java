package org.bml.core.model;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;

/** Element-wise nonlinearities for the models. */
public enum Activation {
  RELU, TANH, SIGMOID, SOFTPLUS, IDENTITY;

  public Tensor apply(Tensor x) {
    return switch (this) {
      case RELU -> Ops.relu(x);
      case TANH -> Ops.tanh(x);
      case SIGMOID -> Ops.sigmoid(x);
      case SOFTPLUS -> Ops.softplus(x);
      case IDENTITY -> x;
    };
  }
}
