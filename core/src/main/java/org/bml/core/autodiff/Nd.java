package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Shape helpers and raw ND4J calls used by the ops' forward computations (no recording here). */
final class Nd {
  private Nd() {}

  static long[] broadcastShape(String op, long[] a, long[] b) {
    int r = Math.max(a.length, b.length);
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      long da = i < r - a.length ? 1 : a[i - (r - a.length)];
      long db = i < r - b.length ? 1 : b[i - (r - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("op '" + op + "': shapes " + Arrays.toString(a) + " and "
            + Arrays.toString(b) + " are not broadcast-compatible");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** v broadcast (copied) to shape; v's shape must be broadcast-compatible with it. */
  static INDArray broadcastTo(INDArray v, long[] shape) {
    if (Arrays.equals(v.shape(), shape)) {
      return v;
    }
    long[] padded = padLeft(v.shape(), shape.length);
    INDArray src = v.rank() == shape.length ? v : v.reshape(padded);
    return Backends.current().broadcastTo(src, shape);
  }

  /** g summed over the axes along which shape was broadcast, then reshaped to shape. */
  static INDArray sumTo(INDArray g, long[] shape) {
    long[] gs = g.shape();
    if (Arrays.equals(gs, shape)) {
      return g;
    }
    long[] padded = padLeft(shape, gs.length);
    int n = 0;
    int[] axes = new int[gs.length];
    for (int i = 0; i < gs.length; i++) {
      if (padded[i] == 1 && gs[i] != 1) {
        axes[n++] = i;
      }
    }
    INDArray s = n == 0 ? g : Backends.current().sum(g, true, Arrays.copyOf(axes, n));
    return s.reshape(shape);
  }

  static long[] padLeft(long[] shape, int rank) {
    if (shape.length > rank) {
      throw new IllegalArgumentException("cannot broadcast shape " + Arrays.toString(shape) + " to rank " + rank);
    }
    long[] p = new long[rank];
    Arrays.fill(p, 1);
    System.arraycopy(shape, 0, p, rank - shape.length, shape.length);
    return p;
  }

  static int[] normalizeAxes(String op, int rank, int... axes) {
    if (axes == null || axes.length == 0) {
      int[] all = new int[rank];
      for (int i = 0; i < rank; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] out = new int[axes.length];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < axes.length; i++) {
      int a = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (a < 0 || a >= rank || seen[a]) {
        throw new IllegalArgumentException("op '" + op + "': invalid or repeated axis " + axes[i] + " for rank " + rank);
      }
      seen[a] = true;
      out[i] = a;
    }
    Arrays.sort(out);
    return out;
  }

  /** The shape of x reduced over axes with the reduced dimensions kept as 1. */
  static long[] keepDimsShape(long[] shape, int[] axes) {
    long[] k = shape.clone();
    for (int a : axes) {
      k[a] = 1;
    }
    return k;
  }

  static long count(long[] shape, int[] axes) {
    long c = 1;
    for (int a : axes) {
      c *= shape[a];
    }
    return c;
  }

  static INDArray exec(String name, INDArray[] in, INDArray[] out, long... iargs) {
    int[] ints = new int[iargs.length];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = Math.toIntExact(iargs[i]);
    }
    DynamicCustomOp.DynamicCustomOpsBuilder b = DynamicCustomOp.builder(name).addInputs(in).addIntegerArguments(ints);
    if (out != null) {
      b.addOutputs(out);
    }
    DynamicCustomOp op = b.build();
    Nd4j.exec(op);
    return op.getOutputArgument(0);
  }
}
