package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.ModelLikelihood;
import org.nd4j.linalg.factory.Nd4j;

/**
 * K-FAC factors of a {@link ConvNetwork}, on the tape or as constants, all tasks at once.
 *
 * <p>Convolutions (KFC, Grosse &amp; Martens 2016, with their normalisation): per task,
 * <pre>  A = Ω = (1/n) Σ_i Σ_t ā_it ā_itᵀ,   G = Γ = (1/|T|) Σ_i Σ_t Σ_r g_itr g_itrᵀ,</pre>
 * ā_it the input patch at output position t of example i (C·k·k values in the weight's [C, k, k]
 * order, a 1 appended with a bias), |T| = H'·W' the number of output positions, and g_itr =
 * ∂(c_rᵀ f)/∂s_it the output-gradient map for factor column r of the output curvature
 * Λ = Σ_r c_r c_rᵀ. A ⊗ G = n · E_i[Σ_t ā ā ᵀ] ⊗ E_i[(1/|T|) Σ_t g gᵀ] is KFC's Ω ⊗ Γ summed
 * over the n examples (spatially uncorrelated derivatives, spatial homogeneity).
 *
 * <p>The maps come from one reverse pass per factor column over all points (as the dense K-FAC,
 * and the "exact" Fisher estimation mode of reference K-FAC implementations). With batch-norm's
 * per-task batch statistics the points of a task interact, so point i's map also carries the
 * statistic-mediated influence of the other points' outputs; K-FAC treats it as point i's own.
 *
 * <p>Scale-shift parameters (batch-norm γ, β) get a diagonal block from the same passes: per point
 * i, d_γ,c = Σ_t ∂(c_rᵀ f)/∂y_ict · x̂_ict and d_β,c = Σ_t ∂(c_rᵀ f)/∂y_ict, and the diagonal is
 * Σ_i Σ_r d². Dense layers use the dense factors (A = (1/n) Σ ā āᵀ, G = Σ g gᵀ).
 */
final class ConvKfac {
  private ConvKfac() {}

  /**
   * @param conv {A [T, C·k·k(+1), same], G [T, O, O]} per convolution
   * @param dense {A [T, in(+1), in(+1)], G [T, out, out]} per dense layer
   * @param diagonal per scale and shift parameter name, its diagonal GGN {@code [T, channels]}
   */
  record Factors(List<Tensor[]> conv, List<Tensor[]> dense, LinkedHashMap<String, Tensor> diagonal) {}

  /**
   * The factors at {@code v} (the mode's tensors as differentiation roots). With {@code record} the
   * reverse passes are recorded, so the factors are differentiable functions of v; without, constants.
   */
  static Factors factors(ModelLikelihood ml, ConvNetwork net, Params v, Data support, boolean record) {
    List<ConvNetwork.ConvLayer> convs = net.convLayers();
    List<ConvNetwork.ScaleShift> norms = net.scaleShifts();
    List<DenseNetwork.Layer> denses = net.denseLayers();
    Tensor[] convIn = new Tensor[convs.size()];
    Tensor[] convOut = new Tensor[convs.size()];
    Tensor[] normed = new Tensor[norms.size()];
    Tensor[] normOut = new Tensor[norms.size()];
    Tensor[] denseIn = new Tensor[denses.size()];
    Tensor[] densePre = new Tensor[denses.size()];
    Tensor f = net.forward(v, support.x(), new ConvNetwork.Tap() {
      @Override
      public void conv(int index, Tensor input, Tensor output) {
        convIn[index] = input;
        convOut[index] = output;
      }

      @Override
      public void scaleShift(int index, Tensor x, Tensor output) {
        normed[index] = x;
        normOut[index] = output;
      }

      @Override
      public void dense(int index, Tensor input, Tensor preActivation) {
        denseIn[index] = input;
        densePre[index] = preActivation;
      }
    });
    if (f.rank() != 3 || !Arrays.equals(f.shape(), support.y().shape())) {
      throw new IllegalArgumentException("Laplace: model outputs " + Arrays.toString(f.shape())
          + " must be [T, n, O] like the targets " + Arrays.toString(support.y().shape()));
    }
    List<Tensor> wrt = new ArrayList<>();
    requireTapped("convolution", convs, convOut, wrt);
    requireTapped("scale-shift", norms, normOut, wrt);
    requireTapped("dense layer", denses, densePre, wrt);
    for (int l = 0; l < convs.size(); l++) {
      requireConvShapes(convs.get(l), convIn[l], convOut[l]);
    }
    long t = support.tasks();
    long n = support.points();
    int rank = ml.output().factorRank(f.size(2));
    Tensor[] gConv = new Tensor[convs.size()];
    Tensor[] gDense = new Tensor[denses.size()];
    Tensor[] dScale = new Tensor[norms.size()];
    Tensor[] dShift = new Tensor[norms.size()];
    for (int r = 0; r < rank; r++) {
      Tensor col = record ? ml.output().factorColumn(f, r) : Tensor.constant(ml.output().factorColumn(f.value(), r));
      List<Tensor> gs = Autodiff.grad(List.of(f), List.of(col), wrt, record, true);
      try (GradMode.Scope s = record ? GradMode.enableGrad() : GradMode.noGrad()) {
        int k = 0;
        for (int l = 0; l < convs.size(); l++, k++) {
          Tensor g = gs.get(k); // [T, n, O, H', W'] → [T, n·H'·W', O]
          Tensor rows = Ops.reshape(Ops.permute(g, 0, 1, 3, 4, 2), t, n * g.size(3) * g.size(4), g.size(2));
          gConv[l] = accumulate(gConv[l], Ops.matmul(rows, rows, true, false));
        }
        for (int l = 0; l < norms.size(); l++, k++) {
          Tensor gy = gs.get(k); // [T, n, C, H, W]
          Tensor dg = Ops.sum(Ops.mul(gy, normed[l]), false, 3, 4); // per point [T, n, C]
          Tensor db = Ops.sum(gy, false, 3, 4);
          dScale[l] = accumulate(dScale[l], Ops.sum(Ops.square(dg), false, 1));
          dShift[l] = accumulate(dShift[l], Ops.sum(Ops.square(db), false, 1));
        }
        for (int l = 0; l < denses.size(); l++, k++) {
          Tensor g = gs.get(k);
          gDense[l] = accumulate(gDense[l], Ops.matmul(g, g, true, false));
        }
      }
    }
    try (GradMode.Scope s = record ? GradMode.enableGrad() : GradMode.noGrad()) {
      List<Tensor[]> conv = new ArrayList<>();
      for (int l = 0; l < convs.size(); l++) {
        Tensor p = patches(convIn[l], convs.get(l));
        long positions = convOut[l].size(3) * convOut[l].size(4);
        conv.add(new Tensor[] {Ops.mulScalar(Ops.matmul(p, p, true, false), 1.0 / n),
            Ops.mulScalar(gConv[l], 1.0 / positions)});
      }
      List<Tensor[]> dense = new ArrayList<>();
      for (int l = 0; l < denses.size(); l++) {
        Tensor a = denseIn[l];
        if (denses.get(l).bias() != null) {
          a = Ops.concat(2, List.of(a, Tensor.constant(Nd4j.ones(a.dtype(), t, n, 1))));
        }
        dense.add(new Tensor[] {Ops.mulScalar(Ops.matmul(a, a, true, false), 1.0 / n), gDense[l]});
      }
      LinkedHashMap<String, Tensor> diagonal = new LinkedHashMap<>();
      for (int l = 0; l < norms.size(); l++) {
        diagonal.put(norms.get(l).scale(), dScale[l]);
        diagonal.put(norms.get(l).shift(), dShift[l]);
      }
      return new Factors(conv, dense, diagonal);
    }
  }

  /**
   * The input patches of a convolution as rows, {@code [T, n·H'·W', C·k·k(+1)]}: row (i, y, x) holds
   * the zero-padded input window under output position (y, x) of example i in the weight's
   * [C, k, k] order (and a trailing 1 with a bias), so s_o(i, y, x) = Σ_j W[o, j] · row_j (+ b_o).
   * Built from padded shifted slices, so it stays on the tape.
   */
  static Tensor patches(Tensor a, ConvNetwork.ConvLayer layer) {
    long t = a.size(0);
    long n = a.size(1);
    long c = a.size(2);
    int k = layer.kernel();
    int stride = layer.stride();
    int pad = layer.padding();
    Tensor x = a;
    if (pad > 0) {
      x = padAxis(padAxis(x, 3, pad), 4, pad);
    }
    long hp = x.size(3);
    long wp = x.size(4);
    long ho = (hp - k) / stride + 1;
    long wo = (wp - k) / stride + 1;
    List<Tensor> shifted = new ArrayList<>();
    for (int ki = 0; ki < k; ki++) {
      for (int kj = 0; kj < k; kj++) {
        shifted.add(window(window(x, 3, ki, ho, stride), 4, kj, wo, stride)); // [T, n, C, H', W']
      }
    }
    Tensor stacked = Ops.stack(3, shifted); // [T, n, C, k·k, H', W']: index c·k·k + ki·k + kj after the reshape
    Tensor cols = Ops.reshape(stacked, t, n, c * k * k, ho * wo);
    Tensor rows = Ops.reshape(Ops.permute(cols, 0, 1, 3, 2), t, n * ho * wo, c * k * k);
    if (layer.bias() != null) {
      rows = Ops.concat(2, List.of(rows, Tensor.constant(Nd4j.ones(a.dtype(), t, n * ho * wo, 1))));
    }
    return rows;
  }

  // Elements from, from + stride, ..., (count of them) along an axis.
  private static Tensor window(Tensor x, int axis, int from, long count, int stride) {
    if (stride == 1) {
      return Ops.slice(x, axis, from, from + count);
    }
    int[] idx = new int[(int) count];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = from + i * stride;
    }
    return Ops.gather(x, axis, idx);
  }

  private static Tensor padAxis(Tensor x, int axis, int pad) {
    long[] s = x.shape().clone();
    s[axis] = pad;
    Tensor zeros = Tensor.constant(Nd4j.zeros(x.dtype(), s));
    return Ops.concat(axis, List.of(zeros, x, zeros));
  }

  private static Tensor accumulate(Tensor sum, Tensor x) {
    return sum == null ? x : Ops.add(sum, x);
  }

  private static void requireTapped(String what, List<?> layers, Tensor[] tapped, List<Tensor> wrt) {
    for (int l = 0; l < layers.size(); l++) {
      if (tapped[l] == null || !tapped[l].requiresGrad()) {
        throw new IllegalStateException("Laplace: K-FAC: the network did not report " + what + " " + l + " ("
            + layers.get(l) + ") during its forward pass, or its output does not depend on the parameters");
      }
      wrt.add(tapped[l]);
    }
  }

  private static void requireConvShapes(ConvNetwork.ConvLayer layer, Tensor in, Tensor out) {
    if (in == null || in.rank() != 5 || in.size(2) != layer.in() || out.rank() != 5 || out.size(2) != layer.out()) {
      throw new IllegalStateException("Laplace: K-FAC: convolution " + layer + " reported input "
          + (in == null ? "null" : Arrays.toString(in.shape())) + " and output " + Arrays.toString(out.shape())
          + "; need [T, n, " + layer.in() + ", H, W] and [T, n, " + layer.out() + ", H', W']");
    }
    long ho = (in.size(3) + 2L * layer.padding() - layer.kernel()) / layer.stride() + 1;
    long wo = (in.size(4) + 2L * layer.padding() - layer.kernel()) / layer.stride() + 1;
    if (out.size(3) != ho || out.size(4) != wo) {
      throw new IllegalStateException("Laplace: K-FAC: convolution " + layer + " maps " + Arrays.toString(in.shape())
          + " to " + Arrays.toString(out.shape()) + ", not to " + ho + "x" + wo + " positions");
    }
  }
}
