package org.bml.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.algorithms.Maml;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.laplace.LaplacePosterior;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LLAMA (Grant et al. 2018): exactly MAML at η = 0 (jqwik, float64), its meta-gradient at η &gt; 0
 * against central finite differences (float64, tanh MLP), its hypotheses against the exact Laplace
 * covariance on a linear-Gaussian task, Conv-4 classification with conv K-FAC (its meta-gradient
 * against central differences), and bad input.
 */
class LlamaTest {

  static Data regression(long seed, int tasks, int n, int dim) {
    INDArray x = GradientCheck.uniform(seed, -2, 2, tasks, n, dim);
    INDArray y = GradientCheck.uniform(seed + 1, -1, 1, tasks, n, 1);
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }


  /**
   * The gradient g of f at θ against central differences (ε = 1e-6) along 3 seeded random directions,
   * relative error < 1e-6 (for models too large for a full finite-difference gradient, e.g. Conv-4).
   */
  static void assertDirectionalDerivatives(Function<List<Tensor>, Tensor> f, Params theta, List<INDArray> g) {
    double eps = 1e-6;
    for (int dir = 0; dir < 3; dir++) {
      double analytic = 0;
      List<Tensor> plus = new ArrayList<>();
      List<Tensor> minus = new ArrayList<>();
      for (int i = 0; i < g.size(); i++) {
        INDArray at = theta.tensors().get(i).value();
        INDArray v = GradientCheck.uniform(50L + 13L * dir + i, -1, 1, at.shape());
        analytic += g.get(i).mul(v).sumNumber().doubleValue();
        plus.add(Tensor.constant(at.add(v.mul(eps))));
        minus.add(Tensor.constant(at.sub(v.mul(eps))));
      }
      double numeric = (f.apply(plus).item() - f.apply(minus).item()) / (2 * eps);
      double rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric));
      assertTrue(rel < 1e-6, "direction " + dir + ": analytic " + analytic + ", numeric " + numeric + ", rel " + rel);
    }
  }
  static List<INDArray> grad(Tensor loss, List<Tensor> wrt) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor g : Autodiff.grad(loss, wrt, false)) {
      out.add(g.value());
    }
    return out;
  }

  /** η = 0: the same meta-gradient as second-order MAML, to the last bit (the same ops in the same order). */
  @Property(tries = 15, seed = "1801089300")
  void etaZeroIsExactlyMaml(@ForAll @IntRange(min = 1, max = 3) int tasks, @ForAll @IntRange(min = 1, max = 4) int hidden,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll long seed) {
    Mlp mlp = new Mlp(Activation.TANH, 2, hidden, 1);
    double alpha = 0.01 + 0.3 * Math.abs((seed % 1000) / 1000.0);
    Params theta = mlp.init(seed, DataType.DOUBLE);
    Data support = regression(seed + 1, tasks, 4, 2);
    Data query = regression(seed + 2, tasks, 3, 2);
    Llama llama = Llama.regression(mlp, 0.5, steps, alpha, 0.0, 0.1);
    Maml maml = new Maml(mlp, Likelihood.meanSquaredError(mlp), steps, alpha, GradientOrder.SECOND);
    List<INDArray> a = grad(llama.metaLoss(theta, support, query), theta.tensors());
    List<INDArray> b = grad(maml.metaLoss(theta, support, query), theta.tensors());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(0.0, a.get(i).sub(b.get(i)).amaxNumber().doubleValue(), 0.0, "parameter " + i);
    }
  }

  /** η > 0: the meta-gradient through φ̂(θ) and log det H(φ̂(θ)) against central differences (ε 1e-6, rel 1e-6). */
  @Test
  void metaGradientMatchesFiniteDifferences() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    Params theta = mlp.init(3, DataType.DOUBLE);
    Data support = regression(7, 2, 5, 1);
    Data query = regression(9, 2, 4, 1);
    for (Curvature c : new Curvature[] {Curvature.KFAC, Curvature.DIAGONAL_GGN}) {
      Llama llama = new Llama(mlp, Likelihood.meanSquaredError(mlp), LogLikelihood.gaussian(mlp, 0.5), 2, 0.1, 0.7,
          0.5, 0.1, c);
      Function<List<Tensor>, Tensor> f = xs -> llama.metaLoss(Params.of(theta.names(), xs), support, query);
      List<INDArray> at = new ArrayList<>();
      for (Tensor t : theta.tensors()) {
        at.add(t.value());
      }
      double err = GradientCheck.gradientError(f, at, 1e-6);
      assertTrue(err < 1e-6, c + ": LLAMA meta-gradient relative error " + err);
      // The log-det term contributes: the gradient differs from MAML's.
      Llama plain = new Llama(mlp, Likelihood.meanSquaredError(mlp), LogLikelihood.gaussian(mlp, 0.5), 2, 0.1, 0.0,
          0.5, 0.1, c);
      double diff = GradientCheck.relativeError(grad(llama.metaLoss(theta, support, query), theta.tensors()),
          grad(plain.metaLoss(theta, support, query), theta.tensors()));
      assertTrue(diff > 1e-3, c + ": the log-det term should change the meta-gradient, rel diff " + diff);
    }
  }

  /**
   * A linear model with Gaussian noise: K-FAC is exact (one layer, A ⊗ G = Σ ā āᵀ / σ²), so the
   * hypotheses are draws from N(φ̂, (XᵀX/σ² + (λ + τ) I)⁻¹). 4,000 draws (seed 42): each covariance
   * entry within 5 standard errors of the exact one, √((Σ_ii Σ_jj + Σ_ij²)/k), and the draws distinct.
   */
  @Test
  void hypothesesSampleTheLaplaceCovariance() {
    Mlp linear = new Mlp(Activation.IDENTITY, 2, 1);
    double sigma = 0.5;
    double lambda = 1.0;
    double tau = 0.1;
    Llama llama = new Llama(linear, Likelihood.meanSquaredError(linear), LogLikelihood.gaussian(linear, sigma), 3, 0.05,
        1.0, lambda, tau, Curvature.KFAC);
    Params theta = linear.init(1, DataType.DOUBLE);
    Data support = regression(5, 1, 6, 2);
    int k = 4000;
    List<Params> hyps = llama.hypotheses(theta, support, 3, k, 42);
    assertEquals(k, hyps.size());
    Params mode = llama.adapt(theta, support, 3);
    LaplacePosterior q = llama.posterior(theta, support, 3);
    // Exact precision in layout order (weight w0, w1, then bias): Σ x̄ x̄ᵀ/σ² + (λ + τ) I.
    double[][] h = new double[3][3];
    INDArray x = support.x().value();
    for (int i = 0; i < 6; i++) {
      double[] xb = {x.getDouble(0, i, 0), x.getDouble(0, i, 1), 1};
      for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
          h[a][b] += xb[a] * xb[b] / (sigma * sigma);
        }
      }
    }
    for (int a = 0; a < 3; a++) {
      h[a][a] += lambda + tau;
    }
    double[][] exactCov = new org.hipparchus.linear.LUDecomposition(new org.hipparchus.linear.Array2DRowRealMatrix(h))
        .getSolver().getInverse().getData();
    double[][] cov = q.covariance(0);
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        assertEquals(exactCov[a][b], cov[a][b], 1e-10, "the posterior's covariance");
      }
    }
    double[][] draws = new double[k][];
    for (int s = 0; s < k; s++) {
      Params p = hyps.get(s);
      draws[s] = new double[] {p.get(Mlp.weight(0)).value().getDouble(0, 0, 0) - mode.get(Mlp.weight(0)).value()
          .getDouble(0, 0, 0), p.get(Mlp.weight(0)).value().getDouble(0, 1, 0) - mode.get(Mlp.weight(0)).value()
          .getDouble(0, 1, 0), p.get(Mlp.biasName(0)).value().getDouble(0, 0) - mode.get(Mlp.biasName(0)).value()
          .getDouble(0, 0)};
    }
    assertNotEquals(draws[0][0], draws[1][0]);
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        double m = 0;
        for (double[] d : draws) {
          m += d[a] * d[b];
        }
        m /= k;
        double se = Math.sqrt((exactCov[a][a] * exactCov[b][b] + exactCov[a][b] * exactCov[a][b]) / k);
        assertEquals(exactCov[a][b], m, 5 * se, "empirical covariance entry (" + a + ", " + b + ")");
      }
    }
  }

  /**
   * Conv-4 classification uses K-FAC (KFC blocks for the convolutions, a diagonal block for
   * batch-norm): the meta-gradient of the LLAMA objective (η = 0.5) against central differences
   * along three seeded random directions (ε 1e-6, relative 1e-6; tiny Conv-4: 2 filters, 16×16
   * images, 2 classes, float64), the log-det term changes it, and hypotheses are sampled.
   */
  @Test
  void conv4ClassificationUsesKfacWithAMetaGradientMatchingFiniteDifferences() {
    Conv4 conv = new Conv4(1, 2, 16, 2);
    Llama llama = Llama.classification(conv, 1, 0.1, 0.5, 0.1);
    assertEquals(Curvature.KFAC, llama.curvature());
    Params theta = conv.init(1, DataType.DOUBLE);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 2, 3, 2);
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < 3; i++) {
        y.putScalar(new int[] {t, i, (t + i) % 2}, 1);
      }
    }
    Data support = new Data(Tensor.constant(GradientCheck.uniform(3, 0, 1, 2, 3, 1, 16, 16)), Tensor.constant(y));
    Data query = new Data(Tensor.constant(GradientCheck.uniform(4, 0, 1, 2, 3, 1, 16, 16)), Tensor.constant(y));
    Tensor loss = llama.metaLoss(theta, support, query);
    assertTrue(Double.isFinite(loss.item()));
    List<INDArray> g = grad(loss, theta.tensors());
    Function<List<Tensor>, Tensor> f = xs -> llama.metaLoss(Params.of(theta.names(), xs), support, query);
    assertDirectionalDerivatives(f, theta, g);
    Llama plain = Llama.classification(conv, 1, 0.1, 0.0, 0.1);
    double diff = GradientCheck.relativeError(g, grad(plain.metaLoss(theta, support, query), theta.tensors()));
    assertTrue(diff > 1e-3, "the log-det term should change the meta-gradient, rel diff " + diff);
    List<Params> hyps = llama.hypotheses(theta, support, 1, 3, 7);
    assertEquals(3, hyps.size());
    assertNotEquals(hyps.get(0).get(Conv4.conv(0)).value().getDouble(0, 0, 0, 0, 0),
        hyps.get(1).get(Conv4.conv(0)).value().getDouble(0, 0, 0, 0, 0));
  }

  @Test
  void badInputIsAClearError() {
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    Likelihood mse = Likelihood.meanSquaredError(mlp);
    var ll = LogLikelihood.gaussian(mlp, 0.5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Llama(mlp, mse, ll, 1, 0.1, -1, 0.1, Curvature.KFAC));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, 1, 0.1, 1, 0, Curvature.KFAC));
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, 1, 0.1, Double.NaN, 0.1, Curvature.KFAC));
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, -1, 0.1, 1, 0.1, Curvature.KFAC));
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, 1, 0, 1, 0.1, Curvature.KFAC));
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, 1, 0.1, 1, -2, 0.1, Curvature.KFAC));
    assertThrows(IllegalArgumentException.class, () -> new Llama(mlp, mse, ll, 1, 0.1, 1, 0.1, null));
    // K-FAC for a model that is neither dense nor convolutional (an opaque wrapper) is an error.
    Model opaque = new Model() {
      @Override
      public java.util.LinkedHashMap<String, long[]> parameterShapes() {
        return mlp.parameterShapes();
      }

      @Override
      public Params init(long seed, DataType dtype) {
        return mlp.init(seed, dtype);
      }

      @Override
      public Tensor forward(Params params, Tensor x) {
        return mlp.forward(params, x);
      }
    };
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> new Llama(opaque,
        Likelihood.meanSquaredError(opaque), LogLikelihood.gaussian(opaque, 0.5), 1, 0.1, 1, 0.1, Curvature.KFAC));
    assertTrue(k.getMessage().contains("DIAGONAL_GGN"), k.getMessage());
    assertEquals(Curvature.DIAGONAL_GGN, Llama.classification(opaque, 1, 0.1, 1, 0.1).curvature());
    Llama llama = Llama.regression(mlp, 0.5, 1, 0.1, 1, 0.1);
    assertThrows(IllegalArgumentException.class, () -> llama.hypotheses(mlp.init(1, DataType.DOUBLE),
        regression(1, 1, 3, 1), 1, 0, 1));
  }
}
