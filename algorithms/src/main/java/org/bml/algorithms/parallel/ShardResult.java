package org.bml.algorithms.parallel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weighted meta-loss and meta-gradient of tasks {@code from .. to − 1} of a meta-batch: one
 * shard, or the ordered sum of consecutive shards. Gradients travel as plain arrays (no native
 * memory, Java-serializable); sums are rounded to θ's data type after every addition, so adding
 * float32 shards here gives the same bits as adding them as ND4J float32 arrays.
 */
public final class ShardResult implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int from;
  private final int to;
  private final double loss;
  private final double[][] grads;

  private ShardResult(int from, int to, double loss, double[][] grads) {
    this.from = from;
    this.to = to;
    this.loss = loss;
    this.grads = grads;
  }

  /**
   * Computes one shard where its tasks are: samples them from {@code (seed, iteration, index)},
   * forms the method's meta-loss with the same sampling seed as {@link MetaTrainer}'s chunks and
   * differentiates it with respect to fresh leaves of θ (so threads never share graph nodes).
   */
  public static ShardResult compute(Problem problem, Params theta, long seed, long iteration, Shard shard) {
    try (MemoryScope scope = MemoryScope.open("bml-shard")) {
      TaskBatch batch = problem.tasks().batch(seed, iteration * shard.metaBatch() + shard.from(),
          shard.to() - shard.from());
      Params vars = theta.asVariables();
      Tensor loss = problem.learner().metaLoss(vars, Episodes.support(batch), Episodes.query(batch),
          MetaTrainer.sampleSeed(seed, iteration, shard.from()));
      double weight = shard.weight();
      double value = loss.item();
      if (!Double.isFinite(value)) {
        // No gradient of a non-finite loss: the driver reports it as divergence.
        return new ShardResult(shard.from(), shard.to(), value, new double[0][]);
      }
      List<Tensor> g = Autodiff.grad(List.of(loss), null, vars.tensors(), false, true);
      double[][] out = new double[g.size()][];
      for (int i = 0; i < g.size(); i++) {
        INDArray gi = shard.weight() == 1.0 ? g.get(i).value() : g.get(i).value().mul(weight);
        out[i] = gi.dup('c').data().asDouble();
      }
      return new ShardResult(shard.from(), shard.to(), weight * value, out);
    }
  }

  /** This result followed by the next consecutive one, rounded to {@code dtype} after each sum. */
  public ShardResult plus(ShardResult next, DataType dtype) {
    if (next.from != to) {
      throw new IllegalArgumentException("ShardResult.plus: shards must be consecutive, got " + from + ".." + to
          + " then " + next.from + ".." + next.to);
    }
    if (!isFinite() || !next.isFinite()) {
      return new ShardResult(from, next.to, Double.isFinite(loss) ? next.loss : loss, new double[0][]);
    }
    boolean f32 = dtype == DataType.FLOAT;
    double[][] sum = new double[grads.length][];
    for (int i = 0; i < grads.length; i++) {
      double[] a = grads[i];
      double[] b = next.grads[i];
      double[] s = new double[a.length];
      for (int k = 0; k < a.length; k++) {
        // One rounding of the exact double sum to float equals float addition (24 + 24 bits fit).
        s[k] = f32 ? (float) (a[k] + b[k]) : a[k] + b[k];
      }
      sum[i] = s;
    }
    return new ShardResult(from, next.to, loss + next.loss, sum);
  }

  /** Results of consecutive shards added in order; an empty list is refused. */
  public static ShardResult sumInOrder(List<ShardResult> results, DataType dtype) {
    if (results.isEmpty()) {
      throw new IllegalArgumentException("ShardResult.sumInOrder: no shard results");
    }
    ShardResult total = results.get(0);
    for (int i = 1; i < results.size(); i++) {
      total = total.plus(results.get(i), dtype);
    }
    return total;
  }

  public int from() {
    return from;
  }

  public int to() {
    return to;
  }

  /** The weighted loss: this range's share of the meta-batch mean. */
  public double loss() {
    return loss;
  }

  public boolean isFinite() {
    return Double.isFinite(loss);
  }

  /** The summed gradients as tensors shaped like θ, in θ's data type. */
  public List<Tensor> gradients(Params theta) {
    if (!isFinite()) {
      throw new IllegalStateException("ShardResult: the loss is " + loss + ", there is no gradient");
    }
    List<Tensor> ts = theta.tensors();
    if (ts.size() != grads.length) {
      throw new IllegalArgumentException("ShardResult: " + grads.length + " gradients for " + ts.size()
          + " meta-parameters");
    }
    List<Tensor> out = new ArrayList<>(ts.size());
    for (int i = 0; i < ts.size(); i++) {
      INDArray t = ts.get(i).value();
      if (grads[i].length != t.length()) {
        throw new IllegalArgumentException("ShardResult: gradient " + i + " has " + grads[i].length
            + " values for a meta-parameter of " + t.length());
      }
      out.add(Tensor.constant(Nd4j.createFromArray(grads[i]).castTo(t.dataType()).reshape('c', t.shape())));
    }
    return out;
  }
}
