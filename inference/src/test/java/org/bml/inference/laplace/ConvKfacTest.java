package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Conv4;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.ParamLayout;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * K-FAC for convolutions (KFC, Grosse &amp; Martens 2016) on a tiny Conv-4 (2 filters, 16×16
 * images, 2 classes, float64): the adapter reproduces Conv4; the factors equal a brute-force
 * computation from per-example, per-position patches and output-gradient maps (relative 1e-12),
 * whose weight-gradient identity Σ g āᵀ = ∂(c_rᵀ f)/∂W checks the patch order against the weight
 * layout; the assembled precision has the out-major blocks A ⊗ G + τI and the batch-norm diagonal;
 * log det and sampling agree with the materialised precision; and the Laplace evidence
 * meta-gradient matches central differences along random directions (ε 1e-6, relative 1e-6).
 */
class ConvKfacTest {
  static final int TASKS = 2;
  static final int POINTS = 3;

  static Params perTask(Conv4 conv, int tasks, long seed) {
    Params init = conv.init(seed, DataType.DOUBLE);
    List<Tensor> out = new ArrayList<>();
    for (String n : init.names()) {
      long[] s = init.get(n).shape();
      long[] full = new long[s.length + 1];
      full[0] = tasks;
      System.arraycopy(s, 0, full, 1, s.length);
      double lo = n.contains("gamma") ? 0.5 : -0.8;
      double hi = n.contains("gamma") ? 1.5 : 0.8;
      out.add(Tensor.constant(GradientCheck.uniform(seed * 31 + n.hashCode(), lo, hi, full)));
    }
    return Params.of(init.names(), out);
  }

  static Data images(int tasks, int n, int classes, long seed) {
    INDArray y = Nd4j.zeros(DataType.DOUBLE, tasks, n, classes);
    for (int t = 0; t < tasks; t++) {
      for (int i = 0; i < n; i++) {
        y.putScalar(new int[] {t, i, (t + i) % classes}, 1.0);
      }
    }
    return new Data(Tensor.constant(GradientCheck.uniform(seed, 0, 1, tasks, n, 1, 16, 16)), Tensor.constant(y));
  }

  static double relErr(double[][] a, double[][] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        num += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
        den += b[i][j] * b[i][j];
      }
    }
    return Math.sqrt(num / Math.max(den, 1e-300));
  }

  @Test
  void theConv4AdapterReproducesConv4AndReportsEveryLayer() {
    Conv4 conv = new Conv4(1, 2, 28, 3);
    ConvNetwork net = ConvNetwork.conv4(conv);
    assertEquals(28, ((ConvNetwork.Conv4Network) net).imageSize());
    assertEquals(4, net.convLayers().size());
    assertEquals(4, net.scaleShifts().size());
    assertEquals(1, net.denseLayers().size());
    Params mode = perTask(conv, TASKS, 5);
    Tensor x = Tensor.constant(GradientCheck.uniform(9, 0, 1, TASKS, 2, 1, 28, 28));
    int[] seen = new int[3];
    Tensor f = net.forward(mode, x, new ConvNetwork.Tap() {
      @Override
      public void conv(int index, Tensor input, Tensor output) {
        assertEquals(seen[0]++, index);
      }

      @Override
      public void scaleShift(int index, Tensor normalized, Tensor output) {
        assertEquals(seen[1]++, index);
      }

      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {
        assertEquals(seen[2]++, index);
      }
    });
    assertEquals(0.0, f.value().sub(conv.forward(mode, x).value()).amaxNumber().doubleValue(), 0.0);
    assertEquals(List.of(4, 4, 1), List.of(seen[0], seen[1], seen[2]));
  }

  /**
   * The double factors against loops over examples i, output positions (y, x), patch entries
   * (c, ki, kj) with explicit zero padding, and factor columns r; the maps from reverse passes,
   * checked by the weight-gradient identity.
   */
  @Test
  void factorsEqualABruteForceComputationFromPerExamplePerPositionQuantities() {
    Conv4 conv = new Conv4(1, 2, 16, 2);
    ConvNetwork net = ConvNetwork.conv4(conv);
    Params mode = perTask(conv, TASKS, 3);
    Data d = images(TASKS, POINTS, 2, 7);
    ModelLikelihood ml = LogLikelihood.categorical(net);
    KfacStructure structure = KfacStructure.of(net);
    ParamLayout layout = ParamLayout.ofLeadingAxis(mode);
    structure.requireCoverage(layout);
    KfacStructure.DoubleFactors factors = structure.factors(ml, mode, d);

    Params v = mode.asVariables();
    Tensor[] in = new Tensor[4];
    Tensor[] out = new Tensor[4];
    Tensor[] xhat = new Tensor[4];
    Tensor[] y = new Tensor[4];
    Tensor[] emb = new Tensor[1];
    Tensor f = net.forward(v, d.x(), new ConvNetwork.Tap() {
      @Override
      public void conv(int index, Tensor input, Tensor output) {
        in[index] = input;
        out[index] = output;
      }

      @Override
      public void scaleShift(int index, Tensor normalized, Tensor output) {
        xhat[index] = normalized;
        y[index] = output;
      }

      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {
        emb[0] = input;
      }
    });
    int rank = ml.output().factorRank(f.size(2));
    double[][][][] a = new double[5][TASKS][][];
    double[][][][] g = new double[5][TASKS][][];
    double[][][] diag = new double[TASKS][8][];
    for (int task = 0; task < TASKS; task++) {
      for (int l = 0; l < 4; l++) {
        int rows = (int) in[l].size(2) * 9;
        a[l][task] = new double[rows][rows];
        g[l][task] = new double[2][2];
      }
      a[4][task] = new double[3][3];
      g[4][task] = new double[2][2];
      for (int j = 0; j < 8; j++) {
        diag[task][j] = new double[2];
      }
    }
    for (int r = 0; r < rank; r++) {
      INDArray col = ml.output().factorColumn(f.value(), r);
      List<Tensor> wrt = new ArrayList<>(List.of(out));
      wrt.addAll(List.of(y));
      for (int l = 0; l < 4; l++) {
        wrt.add(v.get(Conv4.conv(l)));
      }
      for (int l = 0; l < 4; l++) {
        wrt.add(v.get(Conv4.gamma(l)));
      }
      List<Tensor> gs = Autodiff.grad(List.of(f), List.of(Tensor.constant(col)), wrt, false, true);
      for (int task = 0; task < TASKS; task++) {
        for (int l = 0; l < 4; l++) {
          INDArray av = in[l].value();
          INDArray gv = gs.get(l).value();
          int c = (int) av.size(2);
          int h = (int) av.size(3);
          double[][] weightGrad = new double[2][c * 9];
          for (int i = 0; i < POINTS; i++) {
            for (int yy = 0; yy < h; yy++) {
              for (int xx = 0; xx < h; xx++) {
                double[] patch = new double[c * 9];
                for (int ch = 0; ch < c; ch++) {
                  for (int ki = 0; ki < 3; ki++) {
                    for (int kj = 0; kj < 3; kj++) {
                      int py = yy + ki - 1;
                      int px = xx + kj - 1;
                      boolean inside = py >= 0 && py < h && px >= 0 && px < h;
                      patch[ch * 9 + ki * 3 + kj] = inside ? av.getDouble(task, i, ch, py, px) : 0.0;
                    }
                  }
                }
                double[] go = {gv.getDouble(task, i, 0, yy, xx), gv.getDouble(task, i, 1, yy, xx)};
                if (r == 0) {
                  addOuter(a[l][task], patch, patch, 1.0 / POINTS);
                }
                addOuter(g[l][task], go, go, 1.0 / (h * h));
                addOuter(weightGrad, go, patch, 1.0);
              }
            }
          }
          // Σ_i Σ_t g āᵀ is the gradient of c_rᵀ f with respect to the [O, C, 3, 3] weight.
          INDArray wg = gs.get(8 + l).value();
          double[][] expected = new double[2][c * 9];
          for (int o = 0; o < 2; o++) {
            for (int j = 0; j < c * 9; j++) {
              expected[o][j] = wg.getDouble(task, o, j / 9, (j % 9) / 3, j % 3);
            }
          }
          assertTrue(relErr(weightGrad, expected) <= 1e-12, "weight-gradient identity, layer " + l + ": "
              + relErr(weightGrad, expected));
          // batch-norm: per-point d_γ = Σ_t gy x̂, d_β = Σ_t gy; their sums over points are ∂/∂γ.
          INDArray gy = gs.get(4 + l).value();
          INDArray xh = xhat[l].value();
          for (int ch = 0; ch < 2; ch++) {
            double gammaSum = 0;
            for (int i = 0; i < POINTS; i++) {
              double dg = 0;
              double db = 0;
              for (int yy = 0; yy < h; yy++) {
                for (int xx = 0; xx < h; xx++) {
                  dg += gy.getDouble(task, i, ch, yy, xx) * xh.getDouble(task, i, ch, yy, xx);
                  db += gy.getDouble(task, i, ch, yy, xx);
                }
              }
              diag[task][2 * l][ch] += dg * dg;
              diag[task][2 * l + 1][ch] += db * db;
              gammaSum += dg;
            }
            assertEquals(gs.get(12 + l).value().getDouble(task, ch), gammaSum, 1e-12 * (1 + Math.abs(gammaSum)));
          }
        }
        for (int i = 0; i < POINTS; i++) {
          double[] e = {emb[0].value().getDouble(task, i, 0), emb[0].value().getDouble(task, i, 1), 1.0};
          if (r == 0) {
            addOuter(a[4][task], e, e, 1.0 / POINTS);
          }
          double[] c = {col.getDouble(task, i, 0), col.getDouble(task, i, 1)};
          addOuter(g[4][task], c, c, 1.0);
        }
      }
    }
    for (int task = 0; task < TASKS; task++) {
      for (int l = 0; l < 5; l++) {
        double ea = relErr(factors.blocks()[l][task][0], a[l][task]);
        double eg = relErr(factors.blocks()[l][task][1], g[l][task]);
        assertTrue(ea <= 1e-12 && eg <= 1e-12, "task " + task + " block " + l + ": A error " + ea + ", G error " + eg);
      }
      double[] flat = new double[16];
      for (int j = 0; j < 8; j++) {
        flat[2 * j] = diag[task][j][0];
        flat[2 * j + 1] = diag[task][j][1];
      }
      assertTrue(relErr(new double[][] {factors.diagonal()[task]}, new double[][] {flat}) <= 1e-12,
          "task " + task + " batch-norm diagonal");
    }

    // The assembled precision: out-major A ⊗ G + τI on conv weights, in-major on the head, diagonal on γ, β.
    double tau = 0.5;
    LaplacePosterior q = new Laplace(ml, PriorFamily.isotropic(1 / tau), Curvature.KFAC, Damping.none())
        .at(conv.init(1, DataType.DOUBLE), mode, d);
    for (int task = 0; task < TASKS; task++) {
      double[][] h = q.precision(task);
      int w1 = layout.offset(Conv4.conv(1));
      int rows = 18;
      double[][] block = new double[2 * rows][2 * rows];
      double[][] expected = new double[2 * rows][2 * rows];
      for (int o = 0; o < 2; o++) {
        for (int j = 0; j < rows; j++) {
          for (int o2 = 0; o2 < 2; o2++) {
            for (int j2 = 0; j2 < rows; j2++) {
              block[o * rows + j][o2 * rows + j2] = h[w1 + o * rows + j][w1 + o2 * rows + j2];
              expected[o * rows + j][o2 * rows + j2] = a[1][task][j][j2] * g[1][task][o][o2]
                  + (o == o2 && j == j2 ? tau : 0);
            }
          }
        }
      }
      assertTrue(relErr(block, expected) <= 1e-10, "conv1 block " + relErr(block, expected));
      int hw = layout.offset("head.weight");
      int hb = layout.offset("head.bias");
      int[] headIdx = {hw, hw + 1, hw + 2, hw + 3, hb, hb + 1}; // (i, o) in-major, the bias row last
      for (int p = 0; p < 6; p++) {
        for (int p2 = 0; p2 < 6; p2++) {
          double e = a[4][task][p / 2][p2 / 2] * g[4][task][p % 2][p2 % 2] + (p == p2 ? tau : 0);
          assertEquals(e, h[headIdx[p]][headIdx[p2]], 1e-10 * (1 + Math.abs(e)), "head block");
        }
      }
      int g2 = layout.offset(Conv4.gamma(2));
      int b3 = layout.offset(Conv4.beta(3));
      assertEquals(diag[task][4][1] + tau, h[g2 + 1][g2 + 1], 1e-10 * (1 + diag[task][4][1]));
      assertEquals(diag[task][7][0] + tau, h[b3][b3], 1e-10 * (1 + diag[task][7][0]));
      assertEquals(0.0, h[g2][g2 + 1], 0.0);
      assertEquals(0.0, h[w1][layout.offset(Conv4.conv(0))], 0.0);
      assertEquals(0.0, h[w1][g2], 0.0);
    }
  }

  @Test
  void logDetAndSamplingAgreeWithTheMaterialisedPrecision() {
    Conv4 conv = new Conv4(1, 2, 16, 2);
    Params mode = perTask(conv, TASKS, 11);
    Data d = images(TASKS, POINTS, 2, 13);
    // Conv4 itself: Laplace wraps it (ConvNetwork.conv4).
    LaplacePosterior q = new Laplace(LogLikelihood.categorical(conv), PriorFamily.isotropic(2.0), Curvature.KFAC,
        Damping.none()).at(conv.init(1, DataType.DOUBLE), mode, d);
    double[] ld = q.logDetPrecision();
    double[] tape = q.logDet().value().toDoubleVector();
    for (int task = 0; task < TASKS; task++) {
      double[][] h = q.precision(task);
      double exact = Math.log(new CholeskyDecomposition(new Array2DRowRealMatrix(Precision.symmetrize(h)), 1e-10, 1e-14).getDeterminant());
      assertEquals(exact, ld[task], 1e-9 * Math.abs(exact), "log det, task " + task);
      assertEquals(ld[task], tape[task], 1e-9 * Math.abs(exact), "tape log det, task " + task);
      double[][] cov = q.covariance(task);
      double worst = 0;
      for (int i = 0; i < h.length; i++) {
        for (int j = 0; j < h.length; j++) {
          double s = 0;
          for (int k = 0; k < h.length; k++) {
            s += h[i][k] * cov[k][j];
          }
          worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
        }
      }
      assertTrue(worst < 1e-9, "H · H⁻¹ = I, worst entry error " + worst);
    }
    // 1,000 draws (seed 42): a conv weight's variance, a covariance inside its block, a batch-norm
    // shift's variance and a head entry's variance each within 5 standard errors of H⁻¹.
    int k = 1000;
    List<Params> draws = q.sample(k, 42);
    ParamLayout layout = q.layout();
    double[][] cov = q.covariance(0);
    int w = layout.offset(Conv4.conv(1));
    int[][] pairs = {{w, w}, {w, w + 19}, {w + 3, w + 4}, {layout.offset(Conv4.beta(2)), layout.offset(Conv4.beta(2))},
        {layout.offset("head.bias"), layout.offset("head.bias")}};
    double[][] z = new double[k][];
    for (int s = 0; s < k; s++) {
      z[s] = ParamLayout.row(layout.flatten(draws.get(s)).value().sub(layout.flatten(mode).value()), 0);
    }
    for (int[] p : pairs) {
      double m = 0;
      for (double[] zs : z) {
        m += zs[p[0]] * zs[p[1]];
      }
      m /= k;
      double exact = cov[p[0]][p[1]];
      double se = Math.sqrt((cov[p[0]][p[0]] * cov[p[1]][p[1]] + exact * exact) / k);
      assertEquals(exact, m, 5 * se, "empirical covariance (" + p[0] + ", " + p[1] + ")");
    }
  }

  /**
   * ∇_θ Σ_tasks [−log p(D | φ̂) − log p(φ̂ | θ) + ½ log det H(φ̂) − (P/2) log 2π], φ̂ one second-order
   * step from θ, with conv K-FAC on the tape, against central differences along four seeded random
   * directions (all parameters; conv weights only; batch-norm only; head only), ε = 1e-6 (ReLU and
   * max-pool kinks make the inner step's gradient jump, so larger steps can straddle one),
   * relative error below 1e-6.
   */
  @Test
  void evidenceMetaGradientMatchesFiniteDifferences() {
    Conv4 conv = new Conv4(1, 2, 16, 2);
    Params theta = conv.init(3, DataType.DOUBLE);
    Data d = images(TASKS, POINTS, 2, 17);
    Laplace laplace = new Laplace(new TruncatedGradientDescent(1, 0.3, GradientOrder.SECOND),
        LogLikelihood.categorical(conv), PriorFamily.isotropic(1.0), Curvature.KFAC, Damping.none());
    Likelihood loss = Likelihood.softmaxCrossEntropy(conv);
    List<String> names = theta.names();
    Function<List<Tensor>, Tensor> evidence = xs -> Ops.sum(laplace.infer(Params.of(names, xs), d, loss).objective(1.0),
        false);
    double err = directionalError(evidence, theta, 1e-6, 101);
    assertTrue(err < 1e-6, "conv K-FAC evidence meta-gradient, directional relative error " + err);
    // The log-det term depends on θ through φ̂: its gradient does not vanish.
    Function<List<Tensor>, Tensor> logDet = xs -> Ops.sum(laplace.infer(Params.of(names, xs), d, loss).logDet(), false);
    double norm = 0;
    for (INDArray g : GradientCheck.gradient(logDet, values(theta))) {
      norm += g.norm2Number().doubleValue();
    }
    assertTrue(norm > 1e-3, "∇_θ log det H should not vanish, got " + norm);
  }

  /** Largest relative error of ⟨∇f, v⟩ against (f(θ + εv) − f(θ − εv)) / 2ε over four directions. */
  static double directionalError(Function<List<Tensor>, Tensor> f, Params theta, double eps, long seed) {
    List<INDArray> at = values(theta);
    List<INDArray> grad = GradientCheck.gradient(f, at);
    List<String> names = theta.names();
    double worst = 0;
    for (int dir = 0; dir < 4; dir++) {
      List<INDArray> v = new ArrayList<>();
      for (int i = 0; i < at.size(); i++) {
        String n = names.get(i);
        boolean on = switch (dir) {
          case 0 -> true;
          case 1 -> n.startsWith("conv");
          case 2 -> n.startsWith("bn");
          default -> n.startsWith("head");
        };
        INDArray r = GradientCheck.uniform(seed + 7L * dir + i, -1, 1, at.get(i).shape());
        v.add(on ? r : r.mul(0));
      }
      double analytic = 0;
      List<Tensor> plus = new ArrayList<>();
      List<Tensor> minus = new ArrayList<>();
      for (int i = 0; i < at.size(); i++) {
        analytic += grad.get(i).mul(v.get(i)).sumNumber().doubleValue();
        plus.add(Tensor.constant(at.get(i).add(v.get(i).mul(eps))));
        minus.add(Tensor.constant(at.get(i).sub(v.get(i).mul(eps))));
      }
      double numeric = (f.apply(plus).item() - f.apply(minus).item()) / (2 * eps);
      double rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric));
      worst = Math.max(worst, rel);
    }
    return worst;
  }

  static List<INDArray> values(Params p) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      out.add(t.value());
    }
    return out;
  }

  @Test
  void modelsKfacCannotFactorAreRejected() {
    Conv4 conv = new Conv4(1, 2, 16, 2);
    OpaqueModel opaque = new OpaqueModel(conv);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> new Laplace(LogLikelihood.categorical(opaque), PriorFamily.isotropic(1), Curvature.KFAC, Damping.none()));
    assertTrue(e.getMessage().contains("DIAGONAL_GGN") && e.getMessage().contains("ConvNetwork"), e.getMessage());
    // A prior precision that differs within a convolution cannot be added exactly.
    Params logVar = conv.init(0, DataType.DOUBLE).map(x -> Tensor.constant(
        GradientCheck.uniform(3, -0.5, 0.5, x.shape())));
    IllegalArgumentException aniso = assertThrows(IllegalArgumentException.class, () -> new Laplace(
        LogLikelihood.categorical(conv), PriorFamily.gaussian(logVar), Curvature.KFAC, Damping.none())
        .at(conv.init(1, DataType.DOUBLE), perTask(conv, 1, 3), images(1, 2, 2, 5)));
    assertTrue(aniso.getMessage().contains("same for every weight"), aniso.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ConvNetwork.conv4(null));
  }

  private static void addOuter(double[][] acc, double[] u, double[] w, double scale) {
    for (int i = 0; i < u.length; i++) {
      for (int j = 0; j < w.length; j++) {
        acc[i][j] += scale * u[i] * w[j];
      }
    }
  }
}
