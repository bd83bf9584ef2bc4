package org.bml.algorithms;

import java.util.Arrays;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Per-class statistics of embedded support sets, batched over tasks (the metric methods' core). */
final class ClassStats {
  private ClassStats() {}

  /** The embedding model's outputs {@code [T, n, d]} for x, using only its own parameters. */
  static Tensor embed(String owner, Model embedding, Params params, Tensor x) {
    Tensor e = embedding.forward(params.subset(embedding.parameterShapes().keySet()), x);
    if (e.rank() != 3 || e.size(0) != x.size(0) || e.size(1) != x.size(1)) {
      throw new IllegalArgumentException(owner + ": the embedding must map [T, n, ...] to [T, n, d], got "
          + Arrays.toString(e.shape()) + " for input " + Arrays.toString(x.shape()));
    }
    return e;
  }

  /** Shots per class {@code [T, C, 1]} of one-hot labels {@code y [T, n, C]}; every class must occur. */
  static Tensor counts(String owner, Tensor y) {
    if (y.rank() != 3) {
      throw new IllegalArgumentException(owner + ": labels must be one-hot [T, n, classes], got "
          + Arrays.toString(y.shape()));
    }
    long t = y.size(0);
    long c = y.size(2);
    Tensor n = Ops.reshape(Ops.sum(y.detach(), false, 1), t, c, 1);
    INDArray v = n.value();
    for (long i = 0; i < t; i++) {
      for (long j = 0; j < c; j++) {
        if (!(v.getDouble(i, j, 0) > 0)) {
          throw new IllegalArgumentException(owner + ": class " + j + " of task " + i
              + " has no support examples (every class needs at least one)");
        }
      }
    }
    return n;
  }

  /** Per-class sums of embeddings {@code Yᵀ E}: {@code [T, C, d]}. */
  static Tensor sums(Tensor embeddings, Tensor y) {
    return Ops.matmul(y, embeddings, true, false);
  }

  /** Mean softmax cross-entropy per task {@code [T]} of logits against one-hot y. */
  static Tensor crossEntropy(Tensor logits, Tensor y) {
    return Ops.mean(Ops.softmaxCrossEntropy(logits, y, -1), false, 1);
  }
}
