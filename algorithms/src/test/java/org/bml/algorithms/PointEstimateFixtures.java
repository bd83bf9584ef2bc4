package org.bml.algorithms;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small float64 problems and comparisons shared by the point-estimate method tests. */
final class PointEstimateFixtures {
  private PointEstimateFixtures() {}

  /** Regression data x ~ U[−1, 1]^{T×n×d}, y ~ U[−1, 1]^{T×n×outputs}. */
  static Data regression(long seed, int tasks, int points, int dim, int outputs) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, dim)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, outputs)));
  }

  /** Classification data with {@code perClass} rows of each of {@code ways} classes (labels i mod ways). */
  static Data balanced(long seed, int tasks, int ways, int perClass, int dim) {
    int n = ways * perClass;
    int[][] labels = new int[tasks][n];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        labels[t][i] = i % ways;
      }
    }
    return classification(seed, labels, ways, dim);
  }

  /** Classification data with random labels (some classes may be missing). */
  static Data randomLabels(long seed, int tasks, int points, int ways, int dim) {
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int[][] labels = new int[tasks][points];
    for (int[] row : labels) {
      for (int i = 0; i < row.length; i++) {
        row[i] = rng.nextInt(ways);
      }
    }
    return classification(seed, labels, ways, dim);
  }

  static Data classification(long seed, int[][] labels, int ways, int dim) {
    int tasks = labels.length;
    int n = labels[0].length;
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, dim)),
        Tensor.constant(oneHot(labels, ways)));
  }

  static INDArray oneHot(int[][] labels, int ways) {
    INDArray y = Nd4j.zeros(DataType.DOUBLE, labels.length, labels[0].length, ways);
    for (int t = 0; t < labels.length; t++) {
      for (int i = 0; i < labels[t].length; i++) {
        y.putScalar(new long[] {t, i, labels[t][i]}, 1.0);
      }
    }
    return y;
  }

  /** A double in [lo, hi) drawn from the seed (for hyperparameters of a try). */
  static double between(long seed, double lo, double hi) {
    return lo + (hi - lo) * new SplittableRandom(seed * 31 + 17).nextDouble();
  }

  static List<INDArray> grad(Tensor loss, List<Tensor> wrt) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor g : Autodiff.grad(List.of(loss), null, wrt, false, false)) {
      out.add(g.value());
    }
    return out;
  }

  static List<INDArray> values(List<Tensor> ts) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : ts) {
      out.add(t.value());
    }
    return out;
  }

  static double norm(List<INDArray> a) {
    return org.bml.core.check.GradientCheck.norm(a);
  }

  static double maxAbsDiff(INDArray a, INDArray b) {
    return a.sub(b).amaxNumber().doubleValue();
  }
}
