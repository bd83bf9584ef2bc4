package org.bml.spark;

import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.parallel.Problem;
import org.bml.algorithms.parallel.ProblemRecipe;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;

/** Second-order MAML on sinusoids, as a recipe an executor can build. */
class SineMamlRecipe implements ProblemRecipe {
  private static final long serialVersionUID = 1L;
  final String dtype;

  SineMamlRecipe(DataType dtype) {
    this.dtype = dtype.name();
  }

  static MetaLearner maml() {
    Mlp model = new Mlp(Activation.TANH, 1, 8, 1);
    return new Maml(model, Likelihood.meanSquaredError(model), 2, 0.05, GradientOrder.SECOND);
  }

  @Override
  public Problem build() {
    return new Problem(maml(), new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.valueOf(dtype)));
  }

  @Override
  public String key() {
    return getClass().getName() + ":" + dtype;
  }
}
