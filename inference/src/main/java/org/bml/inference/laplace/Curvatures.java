package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.LogJointAscent;
import org.bml.inference.LogLikelihood;
import org.bml.inference.LogPrior;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.ParamLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The curvature computations on the tape, all tasks of a batch at once (tasks are independent, so
 * a direction set in every task's block gives every task's Hessian-vector product in one pass).
 * Each is written once as a tape expression; the double arrays, indexed [task][...] in
 * {@link ParamLayout} order, are that expression's values, evaluated without recording.
 */
final class Curvatures {
  private Curvatures() {}

  // Each curvature is written once, on the tape, with a flag `record`. Recorded (createGraph = true),
  // it is a differentiable function of the mode (and of the prior's own tensors), for a
  // log-determinant whose gradient reaches θ through φ̂. Not recorded, the same expression is
  // evaluated at fresh roots with the last reverse pass unrecorded and the arithmetic after it under
  // no-grad; its double-precision value is read from the result.

  /** −∇² (log p(D | φ) + log p(φ)) at the mode, [T][P][P], from P Hessian-vector products. */
  static double[][][] exactHessian(LogLikelihood ll, LogPrior prior, Params mode, Data support, ParamLayout layout) {
    INDArray h = exactHessian(ll, prior, mode, support, layout, false).value().castTo(DataType.DOUBLE);
    int t = (int) support.tasks();
    double[][][] out = new double[t][][];
    for (int task = 0; task < t; task++) {
      out[task] = h.get(NDArrayIndex.point(task), NDArrayIndex.all(), NDArrayIndex.all()).toDoubleMatrix();
    }
    return out;
  }

  /** −∇² log joint at the mode as a tensor {@code [T, P, P]} (P recorded Hessian-vector products). */
  static Tensor exactHessianTape(LogLikelihood ll, LogPrior prior, Params mode, Data support, ParamLayout layout) {
    return exactHessian(ll, prior, mode, support, layout, true);
  }

  // −∇² log joint, [T, P(row j), P(column k)]: column k is the HVP with the k-th unit direction.
  private static Tensor exactHessian(LogLikelihood ll, LogPrior prior, Params mode, Data support, ParamLayout layout,
      boolean record) {
    Params v = record ? roots(mode) : mode.asVariables();
    Tensor joint = Ops.sum(LogJointAscent.logJoint(ll, prior, v, support), false);
    int t = (int) support.tasks();
    int p = layout.size();
    DataType dtype = mode.tensors().get(0).dtype();
    if (!joint.requiresGrad()) {
      return Tensor.constant(Nd4j.zeros(dtype, t, p, p));
    }
    List<Tensor> g = Autodiff.grad(List.of(joint), null, v.tensors(), true, true);
    List<Tensor> columns = new ArrayList<>();
    for (int k = 0; k < p; k++) {
      columns.add(negHvp(g, v, directions(layout, unit(dtype, t, p, k)), layout, record));
    }
    try (GradMode.Scope s = mode(record)) {
      return Ops.stack(2, columns);
    }
  }

  /**
   * The diagonal of Σ_points Jᵀ Λ J, [T][P]: for each point i and factor column r one reverse pass
   * with the upstream gradient c_r set at point i only, squared and summed. Exact for any model,
   * including models whose points interact.
   */
  static double[][] ggnDiagonal(ModelLikelihood ml, Params mode, Data support, ParamLayout layout) {
    return ggnDiagonal(ml, mode, support, layout, false).value().castTo(DataType.DOUBLE).toDoubleMatrix();
  }

  /** The diagonal GGN of the likelihood as a tensor {@code [T, P]} (n·R recorded reverse passes). */
  static Tensor ggnDiagonalTape(ModelLikelihood ml, Params mode, Data support, ParamLayout layout) {
    return ggnDiagonal(ml, mode, support, layout, true);
  }

  private static Tensor ggnDiagonal(ModelLikelihood ml, Params mode, Data support, ParamLayout layout,
      boolean record) {
    Params v = record ? roots(mode) : mode.asVariables();
    Tensor f = outputs(ml, v, support);
    int n = (int) support.points();
    int rank = ml.output().factorRank(f.size(2));
    Tensor diag = null;
    for (int r = 0; r < rank; r++) {
      Tensor col = record ? ml.output().factorColumn(f, r) : Tensor.constant(ml.output().factorColumn(f.value(), r));
      for (int i = 0; i < n; i++) {
        INDArray mask = Nd4j.zeros(f.dtype(), f.shape());
        atPoint(mask, i).assign(1.0);
        Tensor up;
        try (GradMode.Scope s = mode(record)) {
          up = Ops.mul(col, Tensor.constant(mask));
        }
        List<Tensor> u = inDouble(Autodiff.grad(List.of(f), List.of(up), v.tensors(), record, true), record);
        try (GradMode.Scope s = mode(record)) {
          Tensor sq = Ops.square(layout.flatten(Params.of(layout.names(), u)));
          diag = diag == null ? sq : Ops.add(diag, sq);
        }
      }
    }
    return diag;
  }

  /**
   * The diagonal of −∇² log p(φ), [T][P], from one Hessian-vector product with a vector of ones,
   * checked against a second with random signs: a prior whose Hessian is not diagonal is an error.
   */
  static double[][] priorDiagonal(LogPrior prior, Params mode, ParamLayout layout, Curvature c) {
    Tensor lp = prior.logDensity(mode);
    int t = (int) mode.tensors().get(0).size(0);
    if (lp.rank() != 1 || lp.size(0) != t) {
      throw new IllegalArgumentException("log prior must have shape [" + t + "] (one value per task), got "
          + Arrays.toString(lp.shape()));
    }
    int p = layout.size();
    DataType dtype = mode.tensors().get(0).dtype();
    INDArray ones = Nd4j.ones(dtype, t, p);
    INDArray signs = Nd4j.zeros(dtype, t, p);
    SplittableRandom rng = new SplittableRandom(0x5eedL);
    for (int task = 0; task < t; task++) {
      for (int j = 0; j < p; j++) {
        signs.putScalar(task, j, rng.nextBoolean() ? 1.0 : -1.0);
      }
    }
    List<Tensor> h = priorHessianTimes(prior, mode, layout, false, ones, signs);
    double[][] diag = h.get(0).value().castTo(DataType.DOUBLE).toDoubleMatrix();
    INDArray h2 = h.get(1).value().castTo(DataType.DOUBLE);
    double scale = h.get(0).value().amax().getDouble(0);
    for (int task = 0; task < t; task++) {
      for (int j = 0; j < p; j++) {
        double d = diag[task][j];
        double off = Math.abs(h2.getDouble(task, j) - d * signs.getDouble(task, j));
        if (!(off <= 1e-9 * scale + 1e-300)) {
          throw new IllegalArgumentException("Laplace: " + c + " needs a factorised prior (a diagonal Hessian), but the"
              + " prior's Hessian has off-diagonal entries (task " + task + ", row " + j + "): use EXACT_HESSIAN");
        }
      }
    }
    return diag;
  }

  /** The diagonal of −∇² log p(φ) as a tensor {@code [T, P]} (one recorded HVP with ones). */
  static Tensor priorDiagonalTape(LogPrior prior, Params mode, ParamLayout layout) {
    long t = mode.tensors().get(0).size(0);
    return priorHessianTimes(prior, mode, layout, true, Nd4j.ones(mode.tensors().get(0).dtype(), t, layout.size()))
        .get(0);
  }

  // −∇² log p(φ) times each flat direction [T, P], all tasks at once; zeros for a constant prior.
  private static List<Tensor> priorHessianTimes(LogPrior prior, Params mode, ParamLayout layout, boolean record,
      INDArray... flatDirections) {
    Params v = record ? roots(mode) : mode.asVariables();
    Tensor total = Ops.sum(prior.logDensity(v), false);
    List<Tensor> out = new ArrayList<>();
    if (!total.requiresGrad()) {
      for (INDArray d : flatDirections) {
        out.add(Tensor.constant(Nd4j.zeros(mode.tensors().get(0).dtype(), d.shape())));
      }
      return out;
    }
    List<Tensor> g = Autodiff.grad(List.of(total), null, v.tensors(), true, true);
    for (INDArray d : flatDirections) {
      out.add(negHvp(g, v, directions(layout, d), layout, record));
    }
    return out;
  }

  /**
   * K-FAC factors per dense layer: {A [T, in(+1), in(+1)], G [T, out, out]} with
   * A = (1/n) Σ ā āᵀ (ā = [a, 1] with a bias) and G = Σ_points Σ_r g gᵀ, g = ∂(c_rᵀ f)/∂s the
   * pre-activation gradient for factor column r (R reverse passes). With {@code record} the passes
   * are recorded, so the factors are differentiable functions of the mode; without, constants.
   */
  static List<Tensor[]> kfacFactors(ModelLikelihood ml, DenseNetwork net, Params mode, Data support, boolean record) {
    List<DenseNetwork.Layer> layers = net.denseLayers();
    int nl = layers.size();
    Params v = record ? roots(mode) : mode.asVariables();
    Tensor[] inputs = new Tensor[nl];
    Tensor[] pre = new Tensor[nl];
    Tensor f = net.forward(v, support.x(), (i, a, s) -> {
      inputs[i] = a;
      pre[i] = s;
    });
    requireOutputs(f, support);
    requireReported(layers, inputs, pre);
    long t = support.tasks();
    long n = support.points();
    int rank = ml.output().factorRank(f.size(2));
    Tensor[] g = new Tensor[nl];
    for (int r = 0; r < rank; r++) {
      Tensor col = record ? ml.output().factorColumn(f, r) : Tensor.constant(ml.output().factorColumn(f.value(), r));
      List<Tensor> gs = inDouble(Autodiff.grad(List.of(f), List.of(col), Arrays.asList(pre), record, true), record);
      try (GradMode.Scope s = mode(record)) {
        for (int l = 0; l < nl; l++) {
          Tensor ggT = Ops.matmul(gs.get(l), gs.get(l), true, false);
          g[l] = g[l] == null ? ggT : Ops.add(g[l], ggT);
        }
      }
    }
    try (GradMode.Scope s = mode(record)) {
      List<Tensor[]> out = new ArrayList<>();
      for (int l = 0; l < nl; l++) {
        Tensor a = inDouble(List.of(inputs[l]), record).get(0);
        if (layers.get(l).bias() != null) {
          a = Ops.concat(2, List.of(a, Tensor.constant(Nd4j.ones(a.dtype(), t, n, 1))));
        }
        out.add(new Tensor[] {Ops.mulScalar(Ops.matmul(a, a, true, false), 1.0 / n), g[l]});
      }
      return out;
    }
  }

  // Unrecorded, the products and sums after the last reverse pass run in float64 whatever the
  // model's dtype, so that a float32 model's double curvature is accumulated in double precision.
  private static List<Tensor> inDouble(List<Tensor> xs, boolean record) {
    if (record) {
      return xs;
    }
    List<Tensor> out = new ArrayList<>();
    for (Tensor x : xs) {
      out.add(Tensor.constant(x.value().castTo(DataType.DOUBLE)));
    }
    return out;
  }

  private static GradMode.Scope mode(boolean record) {
    return record ? GradMode.enableGrad() : GradMode.noGrad();
  }

  // The mode's tensors as differentiation roots: kept as they are when on the tape (so gradients
  // reach θ), fresh variables when constant.
  static Params roots(Params mode) {
    return mode.map(x -> x.requiresGrad() ? x : x.asVariable());
  }

  // −Σ_i dir_i · ∂g_i/∂v (= −H dir for g = ∇ of a scalar), flattened [T, P]; recorded with record.
  private static Tensor negHvp(List<Tensor> g, Params v, List<Tensor> dirs, ParamLayout layout, boolean record) {
    List<Tensor> hv = directionalGrad(g, v, dirs, record);
    try (GradMode.Scope s = mode(record)) {
      if (hv == null) {
        long t = v.tensors().get(0).size(0);
        return Tensor.constant(Nd4j.zeros(v.tensors().get(0).dtype(), t, layout.size()));
      }
      return Ops.neg(layout.flatten(Params.of(layout.names(), hv)));
    }
  }

  // Every layer must have reported its input and (differentiable) pre-activation in the forward pass.
  private static void requireReported(List<DenseNetwork.Layer> layers, Tensor[] inputs, Tensor[] pre) {
    for (int l = 0; l < layers.size(); l++) {
      if (inputs[l] == null || pre[l] == null || !pre[l].requiresGrad()) {
        throw new IllegalStateException("Laplace: K-FAC: the network did not report layer " + l + " ("
            + layers.get(l).weight() + ") during its forward pass");
      }
    }
  }

  /** Every parameter of the layout must belong to exactly one dense layer (as weight or bias). */
  static void requireCoverage(DenseNetwork net, ParamLayout layout) {
    Set<String> covered = new HashSet<>();
    for (DenseNetwork.Layer l : net.denseLayers()) {
      covered.add(l.weight());
      if (l.bias() != null) {
        covered.add(l.bias());
      }
      long[] ws = layout.shape(l.weight());
      if (ws.length != 2 || ws[0] != l.in() || ws[1] != l.out()) {
        throw new IllegalArgumentException("Laplace: K-FAC: weight '" + l.weight() + "' has shape "
            + Arrays.toString(ws) + " but the layer is " + l.in() + "x" + l.out());
      }
    }
    Set<String> names = new HashSet<>(layout.names());
    if (!covered.equals(names)) {
      throw new IllegalArgumentException("Laplace: K-FAC covers the dense layers' weights and biases " + covered
          + " but the parameters are " + layout.names());
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Tensor outputs(ModelLikelihood ml, Params v, Data support) {
    Tensor f = ml.outputs(v, support);
    requireOutputs(f, support);
    if (!f.requiresGrad()) {
      throw new IllegalArgumentException("Laplace: the model's outputs do not depend on its parameters");
    }
    return f;
  }

  private static void requireOutputs(Tensor f, Data support) {
    if (f.rank() != 3 || !Arrays.equals(f.shape(), support.y().shape())) {
      throw new IllegalArgumentException("Laplace: model outputs " + Arrays.toString(f.shape())
          + " must be [T, n, O] like the targets " + Arrays.toString(support.y().shape()));
    }
  }

  // Σ_i dir_i · ∂g_i/∂v over the g_i on the tape, per tensor of v; null when none is (a constant
  // gradient has zero derivative, and Autodiff.grad needs at least one output).
  private static List<Tensor> directionalGrad(List<Tensor> g, Params v, List<Tensor> dirs, boolean createGraph) {
    List<Tensor> outs = new ArrayList<>();
    List<Tensor> ups = new ArrayList<>();
    for (int i = 0; i < g.size(); i++) {
      if (g.get(i).requiresGrad()) {
        outs.add(g.get(i));
        ups.add(dirs.get(i));
      }
    }
    return outs.isEmpty() ? null : Autodiff.grad(outs, ups, v.tensors(), createGraph, true);
  }

  /** The k-th unit direction in every task's block, [T, P]. */
  private static INDArray unit(DataType dtype, int t, int p, int k) {
    INDArray dir = Nd4j.zeros(dtype, t, p);
    for (int task = 0; task < t; task++) {
      dir.putScalar(task, k, 1.0);
    }
    return dir;
  }

  private static List<Tensor> directions(ParamLayout layout, INDArray flat) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor d : layout.unflatten(Tensor.constant(flat)).tensors()) {
      out.add(Tensor.constant(d.value().dup('c')));
    }
    return out;
  }

  /** The view of point i (axis 1) of a [T, n, O] array. */
  private static INDArray atPoint(INDArray a, int i) {
    return a.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all());
  }
}
