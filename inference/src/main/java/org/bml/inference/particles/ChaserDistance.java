package org.bml.inference.particles;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.inference.Data;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.ParamLayout;
import org.bml.inference.TaskPosterior;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * BMAML's chaser loss (Yoon, Kim, Dia, Kim, Bengio &amp; Ahn, NeurIPS 2018, arXiv:1806.03836, eq. 5):
 * mean over tasks of Σ_m ‖w ⊙ (Θ_n^m − stop-gradient(Θ_{n+s}^m))‖², the distance of the chaser
 * particles (n SVGD steps on the support set) to the leader's (s further steps on support ∪ query),
 * with optional per-coordinate weights w (BMAML leaves its log-precisions out). Its gradient pulls
 * the chaser toward the leader; by design it is not the derivative of the distance as a function of
 * θ through both (the leader is a target).
 */
public final class ChaserDistance implements MetaObjective {
  private final BiFunction<ParticlePosterior, Data, Tensor> leader;
  private final Function<ParamLayout, INDArray> weights;

  /**
   * @param leader the leader's particles {@code [T, M, P]} from the chaser and the query set
   * @param weights per-coordinate weights {@code [P]} for the chaser's layout, or null (all 1)
   */
  public ChaserDistance(BiFunction<ParticlePosterior, Data, Tensor> leader, Function<ParamLayout, INDArray> weights) {
    if (leader == null || weights == null) {
      throw new IllegalArgumentException("ChaserDistance: the leader and the coordinate weights must be given");
    }
    this.leader = leader;
    this.weights = weights;
  }

  @Override
  public Tensor loss(TaskPosterior posterior, Data query, Likelihood likelihood) {
    if (!(posterior instanceof ParticlePosterior chaser)) {
      throw new IllegalArgumentException("ChaserDistance: needs a particle posterior, got "
          + (posterior == null ? "null" : posterior.getClass().getSimpleName()));
    }
    return between(chaser, leader.apply(chaser, query), weights.apply(chaser.layout()));
  }

  /** The distance of the chaser to given leader particles {@code [T, M, P]} (weights may be null). */
  public static Tensor between(ParticlePosterior chaser, Tensor leader, INDArray coordinateWeights) {
    if (leader.shape().length != 3 || leader.shape()[0] != chaser.tasks() || leader.shape()[1] != chaser.count()
        || leader.shape()[2] != chaser.layout().size()) {
      throw new IllegalArgumentException("ChaserDistance: the leader must be [" + chaser.tasks() + ", "
          + chaser.count() + ", " + chaser.layout().size() + "] like the chaser, got "
          + java.util.Arrays.toString(leader.shape()));
    }
    Tensor diff = Ops.sub(chaser.particles(), leader.detach());
    if (coordinateWeights != null) {
      INDArray w = coordinateWeights.castTo(diff.dtype()).reshape(1, 1, chaser.layout().size());
      diff = Ops.mul(diff, Tensor.constant(w));
    }
    return Ops.mean(Ops.sum(Ops.square(diff), false, 1, 2), false);
  }
}
