package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.ParamLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Which parameters K-FAC factors how: Kronecker blocks (a {@link DenseNetwork}'s layers; a
 * {@link ConvNetwork}'s convolutions, then its dense layers) and diagonal entries (a
 * {@link ConvNetwork}'s scale-shift parameters), with the factors as double arrays or on the tape.
 */
final class KfacStructure {
  /**
   * One Kronecker block over a weight (and bias): A is {@code in × in} (rows of the augmented
   * weight, the bias last), G is {@code out × out}; {@code outMajor} for a convolution's
   * [out, C, k, k] weight.
   */
  record Block(String weight, String bias, int in, int out, boolean outMajor, long[] weightShape) {}

  /** Per block and task {A, G}: [block][task][2][][]; diagonal [task][entry] in {@link #diagonalIndices} order. */
  record DoubleFactors(double[][][][][] blocks, double[][] diagonal) {}

  /** Per block {A [T, in, in], G [T, out, out]}; diagonal {@code [T, entries]} (null when there are none). */
  record TapeFactors(List<Tensor[]> blocks, Tensor diagonal) {}

  private final DenseNetwork dense;
  private final ConvNetwork conv;
  private final List<Block> blocks = new ArrayList<>();
  private final List<String> diagonalNames = new ArrayList<>();

  private KfacStructure(DenseNetwork dense, ConvNetwork conv) {
    this.dense = dense;
    this.conv = conv;
    List<DenseNetwork.Layer> denseLayers = dense != null ? dense.denseLayers() : conv.denseLayers();
    if (conv != null) {
      for (ConvNetwork.ConvLayer c : conv.convLayers()) {
        blocks.add(new Block(c.weight(), c.bias(), c.in() * c.kernel() * c.kernel(), c.out(), true,
            new long[] {c.out(), c.in(), c.kernel(), c.kernel()}));
      }
      for (ConvNetwork.ScaleShift s : conv.scaleShifts()) {
        diagonalNames.add(s.scale());
        diagonalNames.add(s.shift());
      }
    }
    for (DenseNetwork.Layer l : denseLayers) {
      blocks.add(new Block(l.weight(), l.bias(), l.in(), l.out(), false, new long[] {l.in(), l.out()}));
    }
  }

  /** The structure of a {@link DenseNetwork} or a {@link ConvNetwork}. */
  static KfacStructure of(Model model) {
    if (model instanceof DenseNetwork d) {
      return new KfacStructure(d, null);
    }
    if (model instanceof ConvNetwork c) {
      return new KfacStructure(null, c);
    }
    throw new IllegalStateException("Laplace: K-FAC got a " + model.getClass().getSimpleName()
        + ", neither a DenseNetwork nor a ConvNetwork");
  }

  List<Block> blocks() {
    return blocks;
  }

  /** Flat indices (in a task's row) of the diagonal entries, parameter by parameter. */
  int[] diagonalIndices(ParamLayout layout) {
    List<Integer> idx = new ArrayList<>();
    for (String name : diagonalNames) {
      int off = layout.offset(name);
      for (int j = 0; j < layout.length(name); j++) {
        idx.add(off + j);
      }
    }
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Every parameter must be in exactly one block (as weight or bias) or be a diagonal entry, with its shape. */
  void requireCoverage(ParamLayout layout) {
    if (dense != null) {
      Curvatures.requireCoverage(dense, layout);
      return;
    }
    List<String> names = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    for (Block b : blocks) {
      names.add(b.weight());
      shapes.add(b.weightShape());
      if (b.bias() != null) {
        names.add(b.bias());
        shapes.add(new long[] {b.out()});
      }
    }
    for (ConvNetwork.ScaleShift s : conv.scaleShifts()) {
      names.add(s.scale());
      shapes.add(new long[] {s.channels()});
      names.add(s.shift());
      shapes.add(new long[] {s.channels()});
    }
    Set<String> covered = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (!covered.add(name)) {
        throw new IllegalArgumentException("Laplace: K-FAC: parameter '" + name + "' belongs to two layers");
      }
      if (layout.names().contains(name) && !Arrays.equals(layout.shape(name), shapes.get(i))) {
        throw new IllegalArgumentException("Laplace: K-FAC: parameter '" + name + "' has shape "
            + Arrays.toString(layout.shape(name)) + " but its layer needs " + Arrays.toString(shapes.get(i)));
      }
    }
    if (!covered.equals(new HashSet<>(layout.names()))) {
      throw new IllegalArgumentException("Laplace: K-FAC covers the parameters " + names + " but the parameters are "
          + layout.names());
    }
  }

  /** The factors as double arrays: the tape factors' values, evaluated without recording. */
  DoubleFactors factors(ModelLikelihood ml, Params mode, Data support) {
    TapeFactors f = factors(ml, mode, support, false);
    int t = (int) support.tasks();
    double[][][][][] out = new double[f.blocks().size()][t][2][][];
    for (int l = 0; l < f.blocks().size(); l++) {
      for (int k = 0; k < 2; k++) {
        INDArray x = f.blocks().get(l)[k].value().castTo(DataType.DOUBLE);
        for (int task = 0; task < t; task++) {
          out[l][task][k] = x.get(NDArrayIndex.point(task), NDArrayIndex.all(), NDArrayIndex.all()).toDoubleMatrix();
        }
      }
    }
    double[][] diag = new double[t][];
    for (int task = 0; task < t; task++) {
      diag[task] = f.diagonal() == null ? new double[0]
          : ParamLayout.row(f.diagonal().value().castTo(DataType.DOUBLE), task);
    }
    return new DoubleFactors(out, diag);
  }

  /** The factors on the tape, differentiable functions of the mode's tensors. */
  TapeFactors factorsTape(ModelLikelihood ml, Params mode, Data support) {
    return factors(ml, mode, support, true);
  }

  private TapeFactors factors(ModelLikelihood ml, Params mode, Data support, boolean record) {
    if (dense != null) {
      return new TapeFactors(Curvatures.kfacFactors(ml, dense, mode, support, record), null);
    }
    Params v = record ? Curvatures.roots(mode) : mode.asVariables();
    ConvKfac.Factors f = ConvKfac.factors(ml, conv, v, support, record);
    List<Tensor[]> all = new ArrayList<>(f.conv());
    all.addAll(f.dense());
    return new TapeFactors(all, diagonalOf(f));
  }

  // The diagonal entries in diagonalNames order, [T, entries].
  private Tensor diagonalOf(ConvKfac.Factors f) {
    if (diagonalNames.isEmpty()) {
      return null;
    }
    List<Tensor> parts = new ArrayList<>();
    for (String name : diagonalNames) {
      parts.add(f.diagonal().get(name));
    }
    return Ops.concat(1, parts);
  }
}
