package org.bml.inference;

import java.util.Arrays;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;

/**
 * log p(D | φ) = Σ_points log p(y | f(x; φ)) for a model and an output distribution: the structured
 * log-likelihood that the Gauss-Newton and K-FAC curvatures need (they differentiate the model's
 * outputs, not only the total). Immutable; evaluating it records nothing beyond the ops it uses.
 *
 * @param model the network f(x; φ), evaluated with the leading task axis
 * @param output the distribution of a target given the network's output at one point
 */
public record ModelLikelihood(Model model, OutputDistribution output) implements LogLikelihood {
  public ModelLikelihood {
    if (model == null || output == null) {
      throw new IllegalArgumentException("ModelLikelihood: model and output distribution must be given");
    }
  }

  /** The model's outputs {@code [T, n, O]} for the data's inputs. */
  public Tensor outputs(Params phi, Data data) {
    return model.forward(phi, data.x());
  }

  /** log p(y | f) per point, {@code [T, n]}, from outputs computed by {@link #outputs}. */
  public Tensor perPoint(Tensor f, Data data) {
    if (!Arrays.equals(f.shape(), data.y().shape())) {
      throw new IllegalArgumentException("ModelLikelihood: model outputs " + Arrays.toString(f.shape())
          + " and targets " + Arrays.toString(data.y().shape()) + " differ in shape");
    }
    return output.logDensity(f, data.y());
  }

  @Override
  public Tensor perTask(Params phi, Data data) {
    return Ops.sum(perPoint(outputs(phi, data), data), false, 1);
  }
}
