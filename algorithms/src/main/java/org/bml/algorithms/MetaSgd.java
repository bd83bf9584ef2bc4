package org.bml.algorithms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Layers;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.TaskPosterior;
import org.bml.inference.TruncatedGradientDescent;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Meta-SGD (Li, Zhou, Chen & Li 2017, "Meta-SGD: Learning to Learn Quickly for Few-Shot
 * Learning", arXiv:1707.09835): MAML with a learned step size per parameter entry,
 * φ = θ − α ⊙ ∇L(θ; support), both θ and α meta-learned (α may turn negative, which the paper
 * allows: it learns the update direction too).
 *
 * <p>Meta-parameters are θ followed by α, the step size of parameter {@code name} being stored
 * under {@code "lr." + name} with the same shape ({@link #stepSizeName}). The inner loop is
 * {@link TruncatedGradientDescent} with those step sizes (the paper takes one step; k steps reuse
 * the same α), scored by the query loss at the adapted point. With all α equal to a scalar this is
 * exactly MAML with that step size.
 */
public final class MetaSgd extends InnerLoopLearner {
  /** Prefix of the step-size tensors among the meta-parameters. */
  public static final String PREFIX = org.bml.core.model.ParamNames.STEP_SIZE;

  private final int innerSteps;
  private final double initialStepSize;
  private final GradientOrder order;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  /**
   * @param innerSteps k ≥ 1 (with no step the step sizes would receive no gradient)
   * @param initialStepSize the value every α entry starts from, > 0
   */
  public MetaSgd(Model model, Likelihood likelihood, int innerSteps, double initialStepSize, GradientOrder order) {
    // The base's inner loop is MAML's at the initial step size; meta-training uses the learned α (infer, adapt).
    super("MetaSgd", model, likelihood, new TruncatedGradientDescent(Hyper.atLeast("MetaSgd", "inner steps",
        innerSteps, 1), Hyper.positive("MetaSgd", "initial step size", initialStepSize), order));
    this.innerSteps = Hyper.atLeast("MetaSgd", "inner steps", innerSteps, 1);
    this.initialStepSize = Hyper.positive("MetaSgd", "initial step size", initialStepSize);
    this.order = Hyper.nonNull("MetaSgd", "gradient order", order);
    for (String n : model.parameterShapes().keySet()) {
      if (n.startsWith(PREFIX)) {
        throw new IllegalArgumentException("MetaSgd: model parameter '" + n + "' starts with the reserved prefix '"
            + PREFIX + "'");
      }
    }
  }

  /** The learned step sizes are a learned preconditioner, which a checkpointed segment does not take as input. */
  @Override
  public String recomputeRefusal() {
    return "its learned per-parameter step sizes are a learned preconditioner, which the checkpointed segments of "
        + "TruncatedGradientDescent do not take as inputs";
  }

  public static String stepSizeName(String parameter) {
    return PREFIX + parameter;
  }

  public int innerSteps() {
    return innerSteps;
  }

  /** θ from the model's seeded init, then every α entry set to the initial step size. */
  @Override
  public Params initialize(long seed, DataType dtype) {
    Params theta = model.init(seed, dtype);
    Map<String, Tensor> all = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : theta.entries()) {
      all.put(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Tensor> e : theta.entries()) {
      String n = stepSizeName(e.getKey());
      all.put(n, Tensor.variable(Layers.filled(initialStepSize, dtype, e.getValue().shape()), n));
    }
    return Params.of(all);
  }

  /** Meta-parameters from θ and step sizes given under θ's names. */
  public static Params combine(Params theta, Params stepSizes) {
    theta.requireSameStructure(stepSizes);
    List<String> names = new ArrayList<>(theta.names());
    List<Tensor> values = new ArrayList<>(theta.tensors());
    for (String n : theta.names()) {
      names.add(stepSizeName(n));
      values.add(stepSizes.get(n));
    }
    return Params.of(names, values);
  }

  /** θ: the model's parameters among the meta-parameters. */
  public Params theta(Params meta) {
    return meta.subset(model.parameterShapes().keySet());
  }

  /** α under θ's names. */
  public Params stepSizes(Params meta) {
    List<String> names = new ArrayList<>(model.parameterShapes().keySet());
    List<Tensor> values = new ArrayList<>(names.size());
    for (String n : names) {
      values.add(meta.get(stepSizeName(n)));
    }
    return Params.of(names, values);
  }

  public TaskPosterior infer(Params meta, Data support) {
    return new TruncatedGradientDescent(innerSteps, stepSizes(meta), order).infer(theta(meta), support, likelihood);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return objective.loss(infer(meta, support), query, likelihood);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return new TruncatedGradientDescent(steps, stepSizes(meta), order).adapt(theta(meta), support, likelihood, steps);
  }
}
