package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bml.algorithms.Anil;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.datasets.Seeds;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PointMass;
import org.bml.inference.TruncatedGradientDescent;
import org.bml.regularizers.WeightRegularizer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * MR-MAML(W): MAML with meta-regularisation on weights (Yin, Tucker, Zhou, Levine &amp; Finn,
 * ICLR 2020, "Meta-Learning without Memorization", arXiv:1912.03820, Algorithm 2). The model's
 * parameters split into the adapted ones, which follow MAML's inner loop
 * ({@link TruncatedGradientDescent} from their meta-learned values, as {@link Anil} adapts its
 * head), and the rest, which are shared by all tasks; the stochastic ones among those are drawn
 * once per meta-iteration from q(θ) = N(θ_μ, θ_σ²) ({@link WeightRegularizer}, reparameterised).
 * Meta-loss: the mean query loss after adaptation plus β·KL(q(θ) ‖ N(0, I)).
 *
 * <p>The θ sample and the KL are shared by the tasks of a meta-batch, so the loss does not
 * decompose over tasks ({@link #decomposesOverTasks()} is false, except with zero variance).
 * {@link #adapt} uses θ = θ_μ; {@link #hypotheses} draws k values of θ and adapts each. With
 * {@link WeightRegularizer#zeroVariance} (β = 0, θ = θ_μ exactly) this is {@link Anil} with the
 * same adapted/non-adapted split, meta-gradient for meta-gradient.
 */
public final class MrMamlWeights extends InnerLoopLearner {
  private final List<String> adapted;
  private final WeightRegularizer weights;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  /**
   * @param adaptedNames parameters adapted per task (each a parameter of the model)
   * @param weights the regulariser over (some of) the other parameters
   * @param innerSteps k ≥ 0
   * @param innerStepSize α ≥ 0
   */
  public MrMamlWeights(Model model, Likelihood likelihood, Collection<String> adaptedNames, WeightRegularizer weights,
      int innerSteps, double innerStepSize, GradientOrder order) {
    this(model, likelihood, adaptedNames, weights, new TruncatedGradientDescent(innerSteps, innerStepSize, order));
  }

  /**
   * @param adaptedNames parameters adapted per task (each a parameter of the model)
   * @param weights the regulariser over (some of) the other parameters
   * @param inner the inner loop that adapts them
   */
  public MrMamlWeights(Model model, Likelihood likelihood, Collection<String> adaptedNames, WeightRegularizer weights,
      TruncatedGradientDescent inner) {
    super("MrMamlWeights", model, likelihood, inner);
    this.adapted = Hyper.parameterNames("MrMamlWeights", "adapted parameter", model, adaptedNames);
    this.weights = Hyper.nonNull("MrMamlWeights", "weight regularizer", weights);
    Hyper.parameterNames("MrMamlWeights", "stochastic parameter", model, weights.names());
    for (String n : weights.names()) {
      if (adapted.contains(n)) {
        throw new IllegalArgumentException("MrMamlWeights: '" + n + "' is both adapted and stochastic; MR-MAML(W) "
            + "makes only the parameters that are not adapted stochastic");
      }
    }
  }

  /**
   * MR-MAML(W) around a base learner: the base's inner loop (its steps, step size, order and
   * preconditioning), the base's model and likelihood, and, where the base adapts a subset of the
   * parameters ({@link Anil}), that subset; otherwise {@code adaptedNames} (e.g. the head, as the
   * base adapts everything and MR-MAML(W) needs a part that is not adapted).
   *
   * @param adaptedNames used unless the base is an {@link Anil}
   * @param weights the regulariser over (some of) the parameters that are not adapted
   */
  public static MrMamlWeights wrap(InnerLoopLearner base, Collection<String> adaptedNames, WeightRegularizer weights) {
    Hyper.nonNull("MrMamlWeights", "base learner", base);
    return new MrMamlWeights(base.model(), base.likelihood(), adaptedBy(base, adaptedNames), weights, base.inner());
  }

  /**
   * MR-MAML(W) with its own network around a base learner's inner loop (the paper's sinusoid
   * network: a stochastic encoder before the adapted decoder, which a base on the plain MLP cannot
   * provide).
   */
  public static MrMamlWeights wrap(InnerLoopLearner base, Model model, Likelihood likelihood,
      Collection<String> adaptedNames, WeightRegularizer weights) {
    Hyper.nonNull("MrMamlWeights", "base learner", base);
    return new MrMamlWeights(model, likelihood, adaptedNames, weights, base.inner());
  }

  /** The parameters a base learner adapts per task where it adapts a subset ({@link Anil}'s head), else {@code otherwise}. */
  public static List<String> adaptedBy(InnerLoopLearner base, Collection<String> otherwise) {
    return base instanceof Anil anil ? anil.headNames() : List.copyOf(otherwise);
  }

  /** Every parameter that is not adapted is stochastic, with the given β and initial log θ_σ. */
  public static MrMamlWeights create(Model model, Likelihood likelihood, Collection<String> adaptedNames, double beta,
      double initialLogStd, int innerSteps, double innerStepSize, GradientOrder order) {
    return new MrMamlWeights(model, likelihood, adaptedNames,
        new WeightRegularizer(notAdapted(model, adaptedNames), beta, initialLogStd), innerSteps, innerStepSize, order);
  }

  /** β = 0 and exact zero variance on every parameter that is not adapted: {@link Anil}'s meta-learner. */
  public static MrMamlWeights zeroVariance(Model model, Likelihood likelihood, Collection<String> adaptedNames,
      int innerSteps, double innerStepSize, GradientOrder order) {
    return new MrMamlWeights(model, likelihood, adaptedNames,
        WeightRegularizer.zeroVariance(notAdapted(model, adaptedNames)), innerSteps, innerStepSize, order);
  }

  /** The model's parameters that are not in {@code adaptedNames}, in the model's order. */
  public static List<String> notAdapted(Model model, Collection<String> adaptedNames) {
    Hyper.nonNull("MrMamlWeights", "model", model);
    List<String> valid = Hyper.parameterNames("MrMamlWeights", "adapted parameter", model, adaptedNames);
    List<String> rest = new ArrayList<>();
    for (String n : model.parameterShapes().keySet()) {
      if (!valid.contains(n)) {
        rest.add(n);
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("MrMamlWeights: every parameter is adapted, so none is left to regularise "
          + "(MR-MAML(W) regularises the parameters the inner loop does not adapt)");
    }
    return rest;
  }

  public List<String> adaptedNames() {
    return adapted;
  }

  public WeightRegularizer weights() {
    return weights;
  }

  /** The model's seeded initial values as θ_μ, plus log θ_σ at its initial value. */
  @Override
  public Params initialize(long seed, DataType dtype) {
    return weights.initialize(model.init(seed, dtype));
  }

  /** The meta-loss with the θ sample of seed 0 (see {@link #metaLoss(Params, Data, Data, long)}). */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  /** Mean query loss after adapting from θ ~ q(θ) (one draw from {@code seed}) plus β·KL(q(θ) ‖ N(0, I)). */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    Params theta = weights.sample(meta, seed);
    MetaObjective regularised = weights.penalises() ? objective.plus(() -> weights.penalty(meta)) : objective;
    return regularised.loss(new PointMass(adaptFrom(theta, support, inner.steps())), query, likelihood);
  }

  /** θ_μ with the adapted parameters replaced by per-task values after {@code steps} steps. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return adaptFrom(weights.mean(meta), support, steps);
  }

  /** k draws θ ~ q(θ), each adapted to the support set (one hypothesis for zero variance). */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("MrMamlWeights.hypotheses", "k", k);
    if (weights.isZeroVariance()) {
      return List.of(adapt(meta, support, steps));
    }
    List<Params> out = new ArrayList<>(k);
    for (int j = 0; j < k; j++) {
      out.add(adaptFrom(weights.sample(meta, Seeds.streamSeed(seed, j)), support, steps));
    }
    return out;
  }

  /** The θ sample (and KL) are shared by all tasks of a meta-batch; only zero variance decomposes. */
  @Override
  public boolean decomposesOverTasks() {
    return weights.isZeroVariance();
  }

  // As Anil.adapt: the inner loop runs on the adapted subset, the rest held at θ.
  private Params adaptFrom(Params theta, Data support, int steps) {
    return Anil.adaptSubset(inner, likelihood, theta, adapted, support, steps);
  }

  @Override
  public String toString() {
    return "MrMamlWeights(" + weights + ", adapted " + adapted + ", " + inner + ")";
  }
}
