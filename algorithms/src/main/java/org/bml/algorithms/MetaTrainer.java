package org.bml.algorithms;

import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;

/**
 * The meta-training driver: meta-batch → method's meta-loss → gradient → outer optimizer, one
 * {@link MemoryScope} per iteration so native memory stays flat.
 *
 * <p>Lifecycle: construct with a method, a task distribution and an optimizer holding θ; call
 * {@link #step(long)} for iterations 0, 1, 2, ... (iteration i trains on tasks
 * {@code i·T .. i·T + T − 1} of the training seed, so a resumed run sees the same tasks).
 */
public final class MetaTrainer {
  private final MetaLearner learner;
  private final TaskDistribution tasks;
  private final MetaOptimizer optimizer;
  private final int metaBatch;
  private final long seed;

  public MetaTrainer(MetaLearner learner, TaskDistribution tasks, MetaOptimizer optimizer, int metaBatch, long seed) {
    if (metaBatch <= 0) {
      throw new IllegalArgumentException("MetaTrainer: meta-batch size must be positive, got " + metaBatch);
    }
    this.learner = learner;
    this.tasks = tasks;
    this.optimizer = optimizer;
    this.metaBatch = metaBatch;
    this.seed = seed;
  }

  public MetaOptimizer optimizer() {
    return optimizer;
  }

  /**
   * One meta-iteration on the tasks of the given iteration index.
   *
   * @return the meta-batch's loss before the update
   * @throws ArithmeticException if the loss or gradient is NaN or infinite (θ unchanged)
   */
  public double step(long iteration) {
    try (MemoryScope scope = MemoryScope.open("bml-meta-step")) {
      TaskBatch batch = tasks.batch(seed, iteration * metaBatch, metaBatch);
      Tensor loss = learner.metaLoss(optimizer.params(), Episodes.support(batch), Episodes.query(batch));
      double value = loss.item();
      if (!Double.isFinite(value)) {
        throw new ArithmeticException("meta-loss is " + value + " at iteration " + iteration);
      }
      List<Tensor> grads = Autodiff.grad(List.of(loss), null, optimizer.params().tensors(), false, true);
      optimizer.step(grads);
      return value;
    }
  }
}
