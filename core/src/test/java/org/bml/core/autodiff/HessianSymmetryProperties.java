package org.bml.core.autodiff;

import static org.bml.core.check.GradientCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bml.core.check.GradientCheck;
import org.bml.core.check.Nd4jThreads;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Second derivatives computed by differentiating a recorded backward pass form a symmetric
 * Hessian: uᵀ(H v) = vᵀ(H u) for random small compositions, random shapes and values, with the
 * Hessian taken jointly over all inputs (data, weights, biases, output weights).
 */
class HessianSymmetryProperties {
  @BeforeContainer
  static void oneThread() {
    Nd4jThreads.single();
  }

  @AfterContainer
  static void restoreThreads() {
    Nd4jThreads.restore();
  }


  // f(x, W, b, c) for x [n, k], W [m, n], b [m, 1], c [m, k]; z = W x + b.
  private static Tensor compose(int kind, List<Tensor> p) {
    Tensor x = p.get(0);
    Tensor w = p.get(1);
    Tensor b = p.get(2);
    Tensor c = p.get(3);
    Tensor z = Ops.add(Ops.matmul(w, x), b);
    return switch (kind) {
      case 0 -> Ops.sum(Ops.mul(Ops.square(Ops.tanh(z)), c), false); // the brief's Σ tanh(Wx + b)² · c
      case 1 -> Ops.sum(Ops.mul(Ops.sigmoid(z), c), false);
      case 2 -> Ops.sum(Ops.mul(c, Ops.logSoftmax(z, 0)), false);
      case 3 -> Ops.add(Ops.sum(Ops.logSumExp(Ops.mul(z, c), 1, false), false),
          Ops.sum(Ops.softplus(Ops.matmul(Ops.transpose(c, 0, 1), z)), false));
      case 4 -> Ops.sum(Ops.div(Ops.square(z), Ops.addScalar(Ops.square(c), 1.0)), false);
      default -> { // two layers: W is reused, so the Hessian couples the layers
        Tensor h = Ops.tanh(Ops.matmul(Ops.transpose(w, 0, 1), Ops.sigmoid(z)));
        yield Ops.mean(Ops.mul(Ops.exp(Ops.mulScalar(h, 0.5)), x), false);
      }
    };
  }

  @Property(tries = 100, seed = "7310432811")
  void hessianVectorProductsAreSymmetric(@ForAll @IntRange(min = 1, max = 4) int n,
      @ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 1, max = 3) int k,
      @ForAll @IntRange(min = 0, max = 5) int kind, @ForAll long seed) {
    // log softmax over a single row is identically 0: nothing to compare.
    Assume.that(!(kind == 2 && m == 1));
    long[][] shapes = {{n, k}, {m, n}, {m, 1}, {m, k}};
    List<INDArray> at = new ArrayList<>();
    List<INDArray> u = new ArrayList<>();
    List<INDArray> v = new ArrayList<>();
    for (int i = 0; i < shapes.length; i++) {
      at.add(uniform(seed + i, -1.5, 1.5, shapes[i]));
      u.add(uniform(seed + 10 + i, -1, 1, shapes[i]));
      v.add(uniform(seed + 20 + i, -1, 1, shapes[i]));
    }
    Function<List<Tensor>, Tensor> f = p -> compose(kind, p);
    List<INDArray> hu = GradientCheck.hessianVectorProduct(f, at, u);
    List<INDArray> hv = GradientCheck.hessianVectorProduct(f, at, v);
    double uHv = dot(u, hv);
    double vHu = dot(v, hu);
    // Scale by the Cauchy–Schwarz bounds |uᵀHv| ≤ ‖u‖‖Hv‖ and |vᵀHu| ≤ ‖v‖‖Hu‖, so that a
    // near-zero form (from cancellation) is not judged by its own tiny size.
    double scale = Math.max(norm(u) * norm(hv), norm(v) * norm(hu));
    assertTrue(scale > 0, "the Hessian of a non-affine composition is non-zero");
    double rel = Math.abs(uHv - vHu) / scale;
    assertTrue(rel <= 1e-10, "kind " + kind + " n=" + n + " m=" + m + " k=" + k + ": uᵀHv = " + uHv
        + ", vᵀHu = " + vHu + ", relative asymmetry " + rel);
  }

  static double dot(List<INDArray> a, List<INDArray> b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      s += a.get(i).mul(b.get(i)).sumNumber().doubleValue();
    }
    return s;
  }

  static double norm(List<INDArray> a) {
    return Math.sqrt(dot(a, a));
  }
}
