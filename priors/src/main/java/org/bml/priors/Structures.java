package org.bml.priors;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shared checks and shape bookkeeping for the priors: declared shapes, task axes, noise. */
final class Structures {
  private Structures() {}

  /** Declared shapes of a collection whose tensors carry no task axis. */
  static LinkedHashMap<String, long[]> shapesOf(Params p) {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : p.entries()) {
      s.put(e.getKey(), e.getValue().shape());
    }
    return s;
  }

  /** Declared shapes of a collection whose tensors all carry the same leading task axis. */
  static LinkedHashMap<String, long[]> shapesWithoutTaskAxis(String where, Params p) {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    long tasks = -1;
    for (Map.Entry<String, Tensor> e : p.entries()) {
      long[] shape = e.getValue().shape();
      if (shape.length == 0) {
        throw new IllegalArgumentException(where + ": '" + e.getKey() + "' is a scalar, so it has no task axis");
      }
      if (tasks >= 0 && shape[0] != tasks) {
        throw new IllegalArgumentException(where + ": '" + e.getKey() + "' has " + shape[0]
            + " tasks along its leading axis, earlier parameters have " + tasks);
      }
      tasks = shape[0];
      s.put(e.getKey(), Arrays.copyOfRange(shape, 1, shape.length));
    }
    return s;
  }

  /** A deep copy, so callers cannot change a prior's declared shapes. */
  static LinkedHashMap<String, long[]> copy(LinkedHashMap<String, long[]> shapes) {
    LinkedHashMap<String, long[]> copy = new LinkedHashMap<>();
    shapes.forEach((n, s) -> copy.put(n, s.clone()));
    return copy;
  }

  static long leadingSize(Params p) {
    return p.tensors().get(0).size(0);
  }

  static DataType floatingDtype(String where, Params p) {
    DataType dtype = null;
    for (Map.Entry<String, Tensor> e : p.entries()) {
      DataType d = e.getValue().dtype();
      if (!d.isFPType()) {
        throw new IllegalArgumentException(where + ": '" + e.getKey() + "' has dtype " + d + "; need a floating type");
      }
      if (dtype != null && d != dtype) {
        throw new IllegalArgumentException(where + ": '" + e.getKey() + "' has dtype " + d + ", earlier parameters "
            + dtype);
      }
      dtype = d;
    }
    return dtype;
  }

  static void requireFinite(String where, String what, Tensor t) {
    INDArray v = t.value();
    // One reduction: a NaN or infinity anywhere makes the sum non-finite (finite values this large
    // would be rejected too, which no log-variance or variance can sensibly be).
    if (Double.isFinite(v.sumNumber().doubleValue())) {
      return;
    }
    double[] all = v.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    for (int i = 0; i < all.length; i++) {
      if (!Double.isFinite(all[i])) {
        throw new IllegalArgumentException(where + ": " + what + " has a non-finite value " + all[i]
            + " at flat index " + i + " of shape " + Arrays.toString(t.shape()));
      }
    }
    throw new IllegalArgumentException(where + ": " + what + " has values too large to sum: " + v);
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static long numel(LinkedHashMap<String, long[]> shapes) {
    long n = 0;
    for (long[] s : shapes.values()) {
      n += numel(s);
    }
    return n;
  }

  static String describe(LinkedHashMap<String, long[]> shapes) {
    StringBuilder b = new StringBuilder("{");
    shapes.forEach((n, s) -> b.append(b.length() > 1 ? ", " : "").append(n).append(Arrays.toString(s)));
    return b.append('}').toString();
  }

  /** Throws unless two priors declare the same names and shapes. */
  static void requireSameShapes(String where, LinkedHashMap<String, long[]> a, LinkedHashMap<String, long[]> b) {
    boolean same = a.keySet().equals(b.keySet());
    if (same) {
      for (Map.Entry<String, long[]> e : a.entrySet()) {
        same &= Arrays.equals(e.getValue(), b.get(e.getKey()));
      }
    }
    if (!same) {
      throw new IllegalArgumentException(where + ": parameter structures differ: " + describe(a) + " vs "
          + describe(b));
    }
  }

  /**
   * The number of tasks of φ relative to the declared shapes (0 when φ carries no task axis),
   * checking names, shapes and dtype; every tensor must agree on the task axis.
   */
  static long tasksOf(String where, LinkedHashMap<String, long[]> declared, DataType dtype, Params phi) {
    if (!new HashSet<>(phi.names()).equals(declared.keySet())) {
      throw new IllegalArgumentException(where + ": φ has parameters " + phi.names() + " but the prior is over "
          + declared.keySet());
    }
    long tasks = -1;
    String first = null;
    for (Map.Entry<String, long[]> e : declared.entrySet()) {
      Tensor t = phi.get(e.getKey());
      long[] s = t.shape();
      long[] d = e.getValue();
      long here;
      if (Arrays.equals(s, d)) {
        here = 0;
      } else if (s.length == d.length + 1 && Arrays.equals(Arrays.copyOfRange(s, 1, s.length), d)) {
        here = s[0];
      } else {
        throw new IllegalArgumentException(where + ": φ's '" + e.getKey() + "' has shape " + Arrays.toString(s)
            + " but the prior declares " + Arrays.toString(d) + " (or [T, ...] with a task axis)");
      }
      if (t.dtype() != dtype) {
        throw new IllegalArgumentException(where + ": φ's '" + e.getKey() + "' has dtype " + t.dtype()
            + " but the prior's is " + dtype);
      }
      if (tasks >= 0 && here != tasks) {
        throw new IllegalArgumentException(where + ": φ's '" + e.getKey() + "' has shape " + Arrays.toString(s)
            + (here == 0 ? " without" : " with") + " a task axis, but '" + first + "' has "
            + (tasks == 0 ? "none" : tasks + " tasks"));
      }
      tasks = here;
      first = first == null ? e.getKey() : first;
    }
    return tasks;
  }

  /** The common number of tasks of two sides (0 = none); both may have one only if they agree. */
  static long combineTasks(String where, long a, long b) {
    if (a > 0 && b > 0 && a != b) {
      throw new IllegalArgumentException(where + ": " + a + " tasks on one side but " + b + " on the other");
    }
    return Math.max(a, b);
  }

  /**
   * Sums an element-wise term over the parameter's elements: over everything for a scalar result,
   * over all but the leading task axis for a per-task one.
   */
  static Tensor sumElements(Tensor elementwise, boolean perTask) {
    if (!perTask) {
      return Ops.sum(elementwise, false);
    }
    int r = elementwise.rank();
    if (r == 1) {
      return elementwise; // a scalar parameter per task: nothing left to sum
    }
    int[] axes = new int[r - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return Ops.sum(elementwise, false, axes);
  }

  /** The sum of per-parameter terms (all of the same shape). */
  static Tensor total(List<Tensor> terms) {
    Tensor s = terms.get(0);
    for (int i = 1; i < terms.size(); i++) {
      s = Ops.add(s, terms.get(i));
    }
    return s;
  }

  /** Leading task axis of size tasks in front of a declared shape (none when tasks is 0). */
  static long[] withTasks(long tasks, long[] shape) {
    if (tasks == 0) {
      return shape.clone();
    }
    long[] s = new long[shape.length + 1];
    s[0] = tasks;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }

  static void requireTaskCount(String where, long tasks) {
    if (tasks <= 0) {
      throw new IllegalArgumentException(where + ": number of tasks must be positive, got " + tasks);
    }
  }
}
