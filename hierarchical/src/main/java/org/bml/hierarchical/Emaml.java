package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.TruncatedGradientDescent;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Ensemble MAML, the kernel-free baseline of BMAML (Yoon et al., NeurIPS 2018, arXiv:1806.03836,
 * §5): M independent MAML learners (particles {@code particle<m>.<name>} with distinct
 * initialisations), each adapted by {@link TruncatedGradientDescent} and trained with the ordinary
 * MAML query loss; the meta-loss is the mean of the M MAML losses, so particles never interact (SVGD
 * without the kernel). With M = 1 it is MAML. Prediction and hypotheses are as in {@link Bmaml}:
 * the adapted ensemble's mean output (or probabilities); the first min(k, M) members.
 */
public final class Emaml implements MetaLearner {
  private final Model model;
  private final Likelihood loss;
  private final BmamlEnsemble.Output output;
  private final int particles;
  private final TruncatedGradientDescent inner;

  /**
   * @param particles M ≥ 1
   * @param innerSteps K ≥ 0
   * @param innerStepSize α ≥ 0 (finite)
   */
  public Emaml(Model model, Likelihood loss, BmamlEnsemble.Output output, int particles, int innerSteps,
      double innerStepSize, GradientOrder order) {
    if (model == null || loss == null || output == null) {
      throw new IllegalArgumentException("Emaml: model, loss and output kind must be given");
    }
    if (particles < 1) {
      throw new IllegalArgumentException("Emaml: particle count must be >= 1, got " + particles);
    }
    if (!(innerStepSize >= 0) || !Double.isFinite(innerStepSize)) {
      throw new IllegalArgumentException("Emaml: inner step size must be finite and >= 0, got " + innerStepSize);
    }
    this.model = model;
    this.loss = loss;
    this.output = output;
    this.particles = particles;
    this.inner = new TruncatedGradientDescent(innerSteps, innerStepSize, order);
  }

  public int particles() {
    return particles;
  }

  /** M distinct seeded initialisations of the model (particle m from seed (seed, m)). */
  @Override
  public Params initialize(long seed, DataType dtype) {
    List<Params> ps = new ArrayList<>(particles);
    for (int m = 0; m < particles; m++) {
      ps.add(model.init(seed * 1_000_003L + m, dtype));
    }
    return BmamlEnsemble.combine(ps);
  }

  private Params member(Params meta, int m) {
    return BmamlEnsemble.particle(meta, m, new ArrayList<>(model.parameterShapes().keySet()));
  }

  /** (1/M) Σ_m mean_τ L(φ_m^τ, query), φ_m = K steps from θ_m: M independent MAML losses. */
  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    Tensor total = null;
    for (int m = 0; m < particles; m++) {
      Params phi = inner.adapt(member(meta, m), support, loss, inner.steps());
      Tensor l = Ops.mean(loss.perTask(phi, query), false);
      total = total == null ? l : Ops.add(total, l);
    }
    return particles == 1 ? total : Ops.mulScalar(total, 1.0 / particles);
  }

  /** The adapted ensemble, tensors {@code [T, M, ...]}. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    List<Params> members = new ArrayList<>(particles);
    for (int m = 0; m < particles; m++) {
      members.add(inner.adapt(member(meta, m), support, loss, steps));
    }
    return BmamlEnsemble.stack(members);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    if (BmamlEnsemble.isEnsemble(model, adapted)) {
      return BmamlEnsemble.predict(model, output, adapted, x);
    }
    return model.forward(adapted, x);
  }

  /** Each member's outputs {@code [T, M, n, O]} of an adapted ensemble. */
  public Tensor memberOutputs(Params ensemble, Tensor x) {
    return BmamlEnsemble.memberOutputs(model, ensemble, x);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    if (BmamlEnsemble.isEnsemble(model, adapted)) {
      return BmamlEnsemble.loss(model, output, adapted, data);
    }
    return loss.perTask(adapted, data);
  }

  /** The first min(k, M) adapted members (deterministic; {@code seed} is not used). */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    return BmamlEnsemble.firstMembers(model, adapt(meta, support, steps), k, "Emaml");
  }

  @Override
  public String toString() {
    return "Emaml(M=" + particles + ", " + inner + ")";
  }
}
