package org.bml.priors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small float64 parameter collections for the prior tests. */
final class Fixtures {
  private Fixtures() {}

  /** Two parameters, "w" [2, 3] and "b" [3], the shapes of a small linear layer. */
  static LinkedHashMap<String, long[]> layerShapes() {
    LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
    s.put("w", new long[] {2, 3});
    s.put("b", new long[] {3});
    return s;
  }

  /** Uniform values in [lo, hi) with the given shapes, each prefixed by {@code tasks} when positive. */
  static Params uniform(LinkedHashMap<String, long[]> shapes, long tasks, double lo, double hi, long seed,
      boolean variables) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    shapes.forEach((n, s) -> {
      long[] shape = Structures.withTasks(tasks, s);
      double[] v = new double[(int) Structures.numel(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = lo + (hi - lo) * rng.nextDouble();
      }
      INDArray a = shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape('c', shape);
      m.put(n, variables ? Tensor.variable(a, n) : Tensor.constant(a));
    });
    return Params.of(m);
  }

  static double[] values(Tensor t) {
    return t.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
  }

  /** All elements of all parameters, in name order, row-major. */
  static double[] flat(Params p) {
    List<Double> all = new ArrayList<>();
    for (Tensor t : p.tensors()) {
      for (double x : values(t)) {
        all.add(x);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Elements of task t of every parameter (leading task axis), in name order, row-major. */
  static double[] flatTask(Params p, int task) {
    return perTask(p)[task];
  }

  /** Row t: the elements of task t of every parameter (leading task axis), in name order, row-major. */
  static double[][] perTask(Params p) {
    int tasks = (int) p.tensors().get(0).size(0);
    int width = 0;
    for (Tensor t : p.tensors()) {
      width += (int) (t.length() / tasks);
    }
    double[][] rows = new double[tasks][width];
    int offset = 0;
    for (Tensor t : p.tensors()) {
      double[] v = values(t);
      int per = (int) (t.length() / tasks);
      for (int k = 0; k < tasks; k++) {
        System.arraycopy(v, k * per, rows[k], offset, per);
      }
      offset += per;
    }
    return rows;
  }

  static Tensor scalar(double v) {
    return Tensor.constant(Nd4j.scalar(v));
  }
}
