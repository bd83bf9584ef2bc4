package org.bml.hierarchical.composed;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small float64 problems shared by the iMAML, ABML and VERSA tests. */
final class ComposedTestData {
  private ComposedTestData() {}

  /** x ~ U[−1, 1]^{T×n×d}, y ~ U[−1, 1]^{T×n×outputs}. */
  static Data regression(long seed, int tasks, int points, int dim, int outputs) {
    return new Data(Tensor.constant(GradientCheck.uniform(seed, -1, 1, tasks, points, dim)),
        Tensor.constant(GradientCheck.uniform(seed + 1, -1, 1, tasks, points, outputs)));
  }

  static List<INDArray> grad(Tensor loss, List<Tensor> wrt) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor g : Autodiff.grad(List.of(loss), null, wrt, false, true)) {
      out.add(g.value().dup());
    }
    return out;
  }

  static List<INDArray> values(Params p) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      out.add(t.value().dup());
    }
    return out;
  }

  static double norm(List<INDArray> a) {
    return org.bml.core.check.GradientCheck.norm(a);
  }

  /**
   * Central differences of a scalar function of parameters along k seeded random directions v,
   * (f(θ + εv) − f(θ − εv)) / 2ε, against ⟨∇f(θ), v⟩ (the analytic gradient): the norm-wise relative
   * error over the k directional derivatives. Cheaper than every coordinate for slow f (an inner solve).
   */
  static double directionalError(Function<Params, Tensor> f, Params at, int k, double eps, long seed) {
    Params vars = at.map(t -> Tensor.variable(t.value().dup()));
    List<INDArray> g = grad(f.apply(vars), vars.tensors());
    double diff = 0;
    double na = 0;
    double nn = 0;
    for (int d = 0; d < k; d++) {
      List<INDArray> v = new ArrayList<>();
      for (int i = 0; i < g.size(); i++) {
        v.add(GradientCheck.uniform(seed + 31L * d + i, -1, 1, g.get(i).shape()));
      }
      double analytic = 0;
      for (int i = 0; i < g.size(); i++) {
        analytic += g.get(i).mul(v.get(i)).sumNumber().doubleValue();
      }
      double plus = f.apply(shifted(at, v, eps)).item();
      double minus = f.apply(shifted(at, v, -eps)).item();
      double numeric = (plus - minus) / (2 * eps);
      diff += (analytic - numeric) * (analytic - numeric);
      na += analytic * analytic;
      nn += numeric * numeric;
    }
    return Math.sqrt(diff) / Math.max(Math.sqrt(Math.max(na, nn)), 1e-300);
  }

  private static Params shifted(Params at, List<INDArray> v, double eps) {
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      out.add(Tensor.constant(at.tensors().get(i).value().add(v.get(i).mul(eps))));
    }
    return Params.of(at.names(), out);
  }

  static List<INDArray> difference(List<INDArray> a, List<INDArray> b) {
    List<INDArray> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(a.get(i).sub(b.get(i)));
    }
    return out;
  }
}
