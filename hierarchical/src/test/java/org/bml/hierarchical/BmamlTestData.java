package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small float64 problems and comparisons shared by the PLATIPUS, BMAML, EMAML and MR-MAML tests. */
final class BmamlTestData {
  private BmamlTestData() {}

  /** Regression data x ~ U[−1, 1]^{T×n×d}, y ~ U[−1, 1]^{T×n×outputs}. */
  static Data regression(long seed, int tasks, int points, int dim, int outputs) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, dim)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, outputs)));
  }

  /** A double in [lo, hi) drawn from the seed (for hyperparameters of a try). */
  static double between(long seed, double lo, double hi) {
    return lo + (hi - lo) * new SplittableRandom(seed * 31 + 17).nextDouble();
  }

  /**
   * The relative error of the chaser loss's meta-gradient (one SVGD step, the leader held constant) against
   * central differences (ε = 1e-6) at meta.
   */
  static double chaserGradientError(Bmaml b, Params meta, Data support, Data query) {
    List<String> names = meta.names();
    Tensor leader = b.leader(meta, b.taskPosterior(meta, support, 1), support, query);
    return GradientCheck.gradientError(
        vars -> b.chaserLoss(b.taskPosterior(Params.of(names, vars), support, 1), leader),
        values(meta.tensors()), 1e-6);
  }

  static List<INDArray> grad(Tensor loss, List<Tensor> wrt) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor g : Autodiff.grad(List.of(loss), null, wrt, false, true)) {
      out.add(g.value());
    }
    return out;
  }

  static List<INDArray> values(List<Tensor> ts) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : ts) {
      out.add(t.value().dup());
    }
    return out;
  }

  static double norm(List<INDArray> a) {
    return org.bml.core.check.GradientCheck.norm(a);
  }
}
