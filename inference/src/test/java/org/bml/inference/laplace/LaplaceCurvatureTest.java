package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.LogJointAscent;
import org.bml.inference.LogLikelihood;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.OutputDistribution;
import org.bml.inference.ParamLayout;
import org.bml.inference.PriorFamily;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The three curvatures on non-linear networks (float64), each against an independent computation:
 * the exact Hessian against finite differences of gradients (relative 1e-6), K-FAC against the
 * exact Gauss-Newton blocks where it is exact (one point per task; relative 1e-10), the diagonal GGN
 * of a softmax classifier against Σ Jᵀ(diag p − p pᵀ)J assembled from per-output Jacobians
 * (relative 1e-10).
 */
class LaplaceCurvatureTest {
  private static Params perTask(Mlp mlp, int tasks, long seed) {
    List<Tensor> out = new ArrayList<>();
    Params init = mlp.init(seed, DataType.DOUBLE);
    for (String n : init.names()) {
      long[] s = init.get(n).shape();
      long[] full = new long[s.length + 1];
      full[0] = tasks;
      System.arraycopy(s, 0, full, 1, s.length);
      out.add(Tensor.constant(GradientCheck.uniform(seed * 31 + n.hashCode(), -1, 1, full)));
    }
    return Params.of(init.names(), out);
  }

  private static Data data(int tasks, int n, int in, int out, long seed) {
    INDArray x = GradientCheck.uniform(seed, -1.5, 1.5, tasks, n, in);
    INDArray y = GradientCheck.uniform(seed + 1, -1, 1, tasks, n, out);
    return new Data(Tensor.constant(x), Tensor.constant(y));
  }

  private static double relErr(double[][] a, double[][] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        num += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
        den += b[i][j] * b[i][j];
      }
    }
    return Math.sqrt(num / den);
  }

  @Test
  void exactHessianMatchesFiniteDifferencesOfGradients() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 1);
    int tasks = 2;
    Params mode = perTask(mlp, tasks, 3);
    Data d = data(tasks, 4, 2, 1, 5);
    ModelLikelihood ll = LogLikelihood.gaussian(mlp, 0.3);
    Params theta = mlp.init(8, DataType.DOUBLE);
    LaplacePosterior q = new Laplace(ll, PriorFamily.isotropic(4.0), Curvature.EXACT_HESSIAN, Damping.whenNeeded(100))
        .at(theta, mode, d);
    ParamLayout layout = q.layout();
    List<String> names = layout.names();
    Function<List<Tensor>, Tensor> negJoint = vars -> Ops.neg(Ops.sum(LogJointAscent.logJoint(ll,
        PriorFamily.isotropic(4.0).given(theta), Params.of(names, vars), d), false));
    List<INDArray> at = new ArrayList<>();
    for (String n : names) {
      at.add(mode.get(n).value());
    }
    int p = layout.size();
    double[][][] numeric = new double[tasks][p][p];
    for (int k = 0; k < p; k++) {
      INDArray dir = Nd4j.zeros(DataType.DOUBLE, tasks, p);
      for (int t = 0; t < tasks; t++) {
        dir.putScalar(t, k, 1.0);
      }
      List<INDArray> dirs = new ArrayList<>();
      for (Tensor x : layout.unflatten(Tensor.constant(dir)).tensors()) {
        dirs.add(x.value().dup('c'));
      }
      List<INDArray> hv = GradientCheck.numericHessianVectorProduct(negJoint, at, dirs, 1e-5);
      List<Tensor> hvt = new ArrayList<>();
      for (INDArray h : hv) {
        hvt.add(Tensor.constant(h));
      }
      INDArray flat = layout.flatten(Params.of(names, hvt)).value();
      for (int t = 0; t < tasks; t++) {
        for (int j = 0; j < p; j++) {
          numeric[t][j][k] = flat.getDouble(t, j);
        }
      }
    }
    for (int t = 0; t < tasks; t++) {
      double[][] h = q.precision(t);
      if (q.damped(t)) {
        for (int j = 0; j < p; j++) {
          h[j][j] -= 100; // the stored precision is then H + δI
        }
      }
      double err = relErr(h, numeric[t]);
      assertTrue(err <= 1e-6, "task " + t + " relative error " + err);
    }
  }

  @Test
  void kfacEqualsTheExactGaussNewtonBlocksWithOnePointPerTask() {
    // With n = 1, Σ_n (ā āᵀ) ⊗ (g gᵀ) is a single Kronecker product: K-FAC's blocks are exact.
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 2);
    DenseNetwork net = DenseNetwork.mlp(mlp, Activation.TANH);
    double sigma = 0.7;
    int tasks = 2;
    Params mode = perTask(mlp, tasks, 13);
    Data d = data(tasks, 1, 2, 2, 17);
    ModelLikelihood ll = new ModelLikelihood(net, OutputDistribution.gaussian(sigma));
    LaplacePosterior q = new Laplace(ll, PriorFamily.isotropic(2.0), Curvature.KFAC, Damping.none())
        .at(mlp.init(1, DataType.DOUBLE), mode, d);
    double[][][] ggn = gaussNewton(mlp, mode, d, q.layout(), f -> identityFactor(f, sigma));
    for (int t = 0; t < tasks; t++) {
      double[][] h = q.precision(t);
      for (DenseNetwork.Layer layer : net.denseLayers()) {
        List<Integer> idx = new ArrayList<>();
        for (String n : List.of(layer.weight(), layer.bias())) {
          for (int j = 0; j < q.layout().length(n); j++) {
            idx.add(q.layout().offset(n) + j);
          }
        }
        double[][] a = new double[idx.size()][idx.size()];
        double[][] b = new double[idx.size()][idx.size()];
        for (int i = 0; i < idx.size(); i++) {
          for (int j = 0; j < idx.size(); j++) {
            a[i][j] = h[idx.get(i)][idx.get(j)];
            b[i][j] = ggn[t][idx.get(i)][idx.get(j)] + (i == j ? 0.5 : 0.0);
          }
        }
        double err = relErr(a, b);
        assertTrue(err <= 1e-10, "task " + t + " layer " + layer.weight() + " relative error " + err);
      }
    }
  }

  @Test
  void kfacWithSeveralPointsIsAnApproximationThatDiffersFromTheGaussNewton() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 2);
    DenseNetwork net = DenseNetwork.mlp(mlp, Activation.TANH);
    Params mode = perTask(mlp, 1, 13);
    Data d = data(1, 5, 2, 2, 17);
    LaplacePosterior q = new Laplace(new ModelLikelihood(net, OutputDistribution.gaussian(0.7)), PriorFamily.isotropic(2.0),
        Curvature.KFAC, Damping.none()).at(mlp.init(1, DataType.DOUBLE), mode, d);
    double[][][] ggn = gaussNewton(mlp, mode, d, q.layout(), f -> identityFactor(f, 0.7));
    int w0 = q.layout().offset(Mlp.weight(0));
    int n0 = q.layout().length(Mlp.weight(0));
    double[][] a = new double[n0][n0];
    double[][] b = new double[n0][n0];
    for (int i = 0; i < n0; i++) {
      for (int j = 0; j < n0; j++) {
        a[i][j] = q.precision(0)[w0 + i][w0 + j];
        b[i][j] = ggn[0][w0 + i][w0 + j] + (i == j ? 0.5 : 0);
      }
    }
    assertTrue(relErr(a, b) > 1e-3, "K-FAC should not be exact here: " + relErr(a, b));
  }

  @Test
  void diagonalGgnOfASoftmaxClassifierIsTheFisherDiagonal() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 4, 3);
    int tasks = 2;
    Params mode = perTask(mlp, tasks, 23);
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, tasks, 5, 3);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < 5; i++) {
        labels.putScalar(new int[] {t, i, (i + t) % 3}, 1.0);
      }
    }
    Data d = new Data(Tensor.constant(GradientCheck.uniform(29, -1.5, 1.5, tasks, 5, 2)), Tensor.constant(labels));
    LaplacePosterior q = new Laplace(LogLikelihood.categorical(mlp), PriorFamily.isotropic(1.0), Curvature.DIAGONAL_GGN,
        Damping.none()).at(mlp.init(2, DataType.DOUBLE), mode, d);
    double[][][] fisher = gaussNewton(mlp, mode, d, q.layout(), LaplaceCurvatureTest::softmaxCurvature);
    for (int t = 0; t < tasks; t++) {
      double[][] h = q.precision(t);
      double num = 0;
      double den = 0;
      for (int j = 0; j < h.length; j++) {
        double expected = fisher[t][j][j] + 1.0;
        num += (h[j][j] - expected) * (h[j][j] - expected);
        den += expected * expected;
      }
      assertTrue(Math.sqrt(num / den) <= 1e-10, "task " + t + " relative error " + Math.sqrt(num / den));
    }
  }

  // Σ_points Jᵀ Λ J per task with J from one reverse pass per (point, output) and Λ given per point.
  private static double[][][] gaussNewton(Mlp mlp, Params mode, Data d, ParamLayout layout,
      Function<double[], double[][]> lambda) {
    int tasks = (int) d.tasks();
    int n = (int) d.points();
    Params v = mode.asVariables();
    Tensor f = mlp.forward(v, d.x());
    int o = (int) f.size(2);
    int p = layout.size();
    double[][][][] jac = new double[tasks][n][o][];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < o; k++) {
        INDArray up = Nd4j.zeros(DataType.DOUBLE, tasks, n, o);
        for (int t = 0; t < tasks; t++) {
          up.putScalar(new int[] {t, i, k}, 1.0);
        }
        List<Tensor> g = Autodiff.grad(List.of(f), List.of(Tensor.constant(up)), v.tensors(), false, true);
        INDArray flat = layout.flatten(Params.of(layout.names(), g)).value();
        for (int t = 0; t < tasks; t++) {
          jac[t][i][k] = ParamLayout.row(flat, t);
        }
      }
    }
    double[][][] out = new double[tasks][p][p];
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        double[] fi = new double[o];
        for (int k = 0; k < o; k++) {
          fi[k] = f.value().getDouble(t, i, k);
        }
        double[][] lam = lambda.apply(fi);
        for (int k = 0; k < o; k++) {
          for (int l = 0; l < o; l++) {
            if (lam[k][l] == 0) {
              continue;
            }
            for (int a = 0; a < p; a++) {
              for (int b = 0; b < p; b++) {
                out[t][a][b] += jac[t][i][k][a] * lam[k][l] * jac[t][i][l][b];
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static double[][] identityFactor(double[] f, double sigma) {
    double[][] m = new double[f.length][f.length];
    for (int i = 0; i < f.length; i++) {
      m[i][i] = 1 / (sigma * sigma);
    }
    return m;
  }

  private static double[][] softmaxCurvature(double[] f) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : f) {
      max = Math.max(max, v);
    }
    double[] p = new double[f.length];
    double z = 0;
    for (int i = 0; i < f.length; i++) {
      p[i] = Math.exp(f[i] - max);
      z += p[i];
    }
    double[][] m = new double[f.length][f.length];
    for (int i = 0; i < f.length; i++) {
      p[i] /= z;
    }
    for (int i = 0; i < f.length; i++) {
      for (int j = 0; j < f.length; j++) {
        m[i][j] = (i == j ? p[i] : 0) - p[i] * p[j];
      }
    }
    return m;
  }

  @Test
  void diagonalGgnOfAClassifierIsAtLeastThePriorPrecision() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 3);
    Params mode = perTask(mlp, 1, 41);
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, 1, 4, 3);
    for (int i = 0; i < 4; i++) {
      labels.putScalar(new int[] {0, i, i % 3}, 1.0);
    }
    Data d = new Data(Tensor.constant(GradientCheck.uniform(43, -1, 1, 1, 4, 2)), Tensor.constant(labels));
    LaplacePosterior q = new Laplace(LogLikelihood.categorical(mlp), PriorFamily.isotropic(0.5), Curvature.DIAGONAL_GGN,
        Damping.none()).at(mlp.init(2, DataType.DOUBLE), mode, d);
    for (int j = 0; j < q.dimension(); j++) {
      assertTrue(q.precision(0)[j][j] >= 2.0 - 1e-12, "prior precision 2 plus a non-negative Fisher diagonal");
    }
    assertEquals(q.dimension(), q.layout().size());
  }
}
