package org.bml.inference.contract;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.MetaObjective;
import org.bml.inference.TaskPosterior;
import org.junit.jupiter.api.Test;

/**
 * {@link MetaObjectiveContract} for the query loss + β·KL(q ‖ p) (PLATIPUS's form), with q_t =
 * N(φ̂_t, σ²I) around each task's mode and p = N(0, σ0²I): KL_t = Σ_i [log(σ0/σ) + (σ² + φ̂_ti²)/(2σ0²) − ½],
 * a per-task term that depends on θ through the mode.
 */
class PlusKlContractTest extends MetaObjectiveContract {
  private static final double POSTERIOR_VARIANCE = 0.5;
  private static final double PRIOR_VARIANCE = 2.0;

  @Override
  protected MetaObjective objective() {
    return (q, d, lik) -> MetaObjective.queryLossAtMode().plusKl(0.3, () -> kl(q)).loss(q, d, lik);
  }

  static Tensor kl(TaskPosterior q) {
    Params mode = q.mode();
    Tensor total = null;
    for (Tensor t : mode.tensors()) {
      long n = t.value().length() / t.shape()[0];
      int[] axes = new int[t.shape().length - 1];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i + 1;
      }
      double constant = n * (0.5 * Math.log(PRIOR_VARIANCE / POSTERIOR_VARIANCE)
          + POSTERIOR_VARIANCE / (2 * PRIOR_VARIANCE) - 0.5);
      Tensor k = Ops.addScalar(Ops.mulScalar(Ops.sum(Ops.square(t), false, axes), 1 / (2 * PRIOR_VARIANCE)),
          constant);
      total = total == null ? k : Ops.add(total, k);
    }
    return total;
  }

  @Test
  void aKlThatIsNotOnePerTaskIsRefused() {
    MetaObjective bad = MetaObjective.queryLossAtMode().plusKl(0.3, () -> Tensor.constant(org.nd4j.linalg.factory.Nd4j.scalar(1.0)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> bad.loss(strategy().infer(MODEL.init(5, org.nd4j.linalg.api.buffer.DataType.DOUBLE), data(21, TASKS, 5),
            likelihood()), data(23, TASKS, 4), likelihood()));
    assertTrue(e.getMessage().contains("[T]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MetaObjective.queryLossAtMode().plusKl(-1, () -> null));
  }
}
