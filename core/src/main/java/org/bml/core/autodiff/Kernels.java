package org.bml.core.autodiff;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fast paths for the two kernels that dominate small meta-learning programs, where ND4J's
 * per-call overhead exceeds the arithmetic: batched matrix products and repetition along a
 * leading axis. On the CPU backend they call the bundled OpenBLAS and memcpy directly on the
 * arrays' buffers; elsewhere (CUDA) they use ND4J's own ops.
 *
 * <p>{@code data().addressPointer()} already points at a view's first element (it includes the
 * array's offset), so no offset is added here.
 */
final class Kernels {
  static final boolean CPU = detectCpu();

  private Kernels() {}

  private static boolean detectCpu() {
    try {
      return Nd4j.getEnvironment().isCPU() && !Boolean.getBoolean("bml.noFastKernels");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** op(a) · op(b) for two 2-D or two 3-D (batched) arrays. */
  static INDArray matmul(INDArray a, INDArray b, boolean transA, boolean transB) {
    DataType dt = a.dataType();
    if (!CPU || (dt != DataType.FLOAT && dt != DataType.DOUBLE)) {
      return Nd4j.matmul(a, b, transA, transB, false);
    }
    a = contiguous(a);
    b = contiguous(b);
    int r = a.rank();
    long batch = r == 3 ? a.size(0) : 1;
    int rowsA = (int) a.size(r - 2);
    int colsA = (int) a.size(r - 1);
    int rowsB = (int) b.size(r - 2);
    int colsB = (int) b.size(r - 1);
    int m = transA ? colsA : rowsA;
    int k = transA ? rowsA : colsA;
    int n = transB ? rowsB : colsB;
    INDArray c = r == 3 ? Nd4j.createUninitialized(dt, batch, m, n) : Nd4j.createUninitialized(dt, m, n);
    int ta = transA ? openblas.CblasTrans : openblas.CblasNoTrans;
    int tb = transB ? openblas.CblasTrans : openblas.CblasNoTrans;
    long strideA = (long) rowsA * colsA;
    long strideB = (long) rowsB * colsB;
    long strideC = (long) m * n;
    if (k == 0) {
      return c.assign(0);
    }
    if (dt == DataType.FLOAT) {
      FloatPointer pa = new FloatPointer(a.data().addressPointer());
      FloatPointer pb = new FloatPointer(b.data().addressPointer());
      FloatPointer pc = new FloatPointer(c.data().addressPointer());
      for (long t = 0; t < batch; t++) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, ta, tb, m, n, k, 1f,
            pa.position(t * strideA), colsA, pb.position(t * strideB), colsB,
            0f, pc.position(t * strideC), n);
      }
    } else {
      DoublePointer pa = new DoublePointer(a.data().addressPointer());
      DoublePointer pb = new DoublePointer(b.data().addressPointer());
      DoublePointer pc = new DoublePointer(c.data().addressPointer());
      for (long t = 0; t < batch; t++) {
        openblas.cblas_dgemm(openblas.CblasRowMajor, ta, tb, m, n, k, 1.0,
            pa.position(t * strideA), colsA, pb.position(t * strideB), colsB,
            0.0, pc.position(t * strideC), n);
      }
    }
    return c;
  }

  /**
   * v repeated to shape when shape only adds or grows leading dimensions (v contiguous), e.g.
   * θ [in, out] → [T, in, out]; null when the broadcast is of another kind.
   */
  static INDArray repeatLeading(INDArray v, long[] shape) {
    if (!CPU || !isLeadingRepeat(v.shape(), shape)) {
      return null;
    }
    long[] vs = v.shape();
    int lead = shape.length - vs.length;
    // strip v's leading 1s that correspond to broadcast dims
    int i = 0;
    while (i < vs.length && vs[i] == 1 && shape[lead + i] != 1) {
      i++;
    }
    INDArray src = contiguous(v);
    long copies = 1;
    for (int j = 0; j < lead + i; j++) {
      copies *= shape[j];
    }
    INDArray out = Nd4j.createUninitialized(v.dataType(), shape);
    long bytes = src.length() * v.dataType().width();
    Pointer from = src.data().addressPointer();
    BytePointer to = new BytePointer(out.data().addressPointer());
    for (long t = 0; t < copies; t++) {
      Pointer.memcpy(to.position(t * bytes), from, bytes);
    }
    return out;
  }

  /** Whether shape only adds or grows leading dimensions of vs (vs's leading 1s may grow). */
  static boolean isLeadingRepeat(long[] vs, long[] shape) {
    int lead = shape.length - vs.length;
    if (lead < 0) {
      return false;
    }
    int i = 0;
    while (i < vs.length && vs[i] == 1 && shape[lead + i] != 1) {
      i++;
    }
    for (int j = i; j < vs.length; j++) {
      if (vs[j] != shape[lead + j]) {
        return false;
      }
    }
    return true;
  }

  /** a itself when its elements are laid out densely in C order, else a C-order copy. */
  static INDArray contiguous(INDArray a) {
    if (a.ordering() == 'c' && isDenseC(a)) {
      return a;
    }
    return a.dup('c');
  }

  private static boolean isDenseC(INDArray a) {
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }
}
