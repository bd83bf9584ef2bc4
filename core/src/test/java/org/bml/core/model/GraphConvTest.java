package org.bml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.check.Nd4jThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link GraphConv} (Garcia &amp; Bruna 2018): the adjacency is row-stochastic with a zero diagonal;
 * the soft-nearest-neighbour reduction (fixed edge −‖x_i − x_j‖², a node update that reads only the
 * aggregated labels) against a direct loop; exact equivariance to permutations of the class axis;
 * gradient (ε = 1e-6) and Hessian-vector product (ε = 1e-5) of a loss through two stacked layers
 * (dense growth, leaky ReLU) with respect to all weights and both node parts, float64, relative
 * tolerance 1e-6 as the op checks; bad inputs.
 */
class GraphConvTest {
  private static final double TOL = 1e-6;
  private static final int B = 2;
  private static final int NODES = 4;
  private static final int CLASSES = 3;
  private static final int H = 3;

  @BeforeAll
  static void oneThread() {
    Nd4jThreads.single();
  }

  @AfterAll
  static void restore() {
    Nd4jThreads.restore();
  }

  private static INDArray labels(long seed) {
    INDArray l = Nd4j.zeros(DataType.DOUBLE, B, NODES, CLASSES, 1);
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int b = 0; b < B; b++) {
      for (int i = 0; i < NODES - 1; i++) {
        l.putScalar(new long[] {b, i, r.nextInt(CLASSES), 0}, 1.0);
      }
      for (int k = 0; k < CLASSES; k++) {
        l.putScalar(new long[] {b, NODES - 1, k, 0}, 1.0 / CLASSES); // the query: uniform
      }
    }
    return l;
  }

  @Test
  void adjacencyIsRowStochasticWithoutSelfEdges() {
    GraphConv g = new GraphConv("g.", H, 1, 2, 2, 5);
    Params p = g.init(1, DataType.DOUBLE);
    INDArray a = g.adjacency(p, Tensor.constant(GradientCheck.uniform(2, -1, 1, B, NODES, H)),
        Tensor.constant(labels(3))).value();
    for (int b = 0; b < B; b++) {
      for (int i = 0; i < NODES; i++) {
        double s = 0;
        for (int j = 0; j < NODES; j++) {
          s += a.getDouble(b, i, j);
          assertTrue(a.getDouble(b, i, j) >= 0);
        }
        assertEquals(0.0, a.getDouble(b, i, i), 0.0, "self-edge");
        assertEquals(1.0, s, 1e-12);
      }
    }
  }

  /**
   * With s_ij = −‖x_i − x_j‖² and weights that read only the aggregated class channel (W_ll = [0, 1],
   * W_hl = 0, b = 0), the query node's class output is Σ_j softmax_j(−‖h_q − h_j‖²) y_jk over the
   * support nodes j ≠ q: a Gaussian-kernel soft nearest neighbour (the label part adds the same
   * Σ_k (y_jk − 1/N)² to every support node). Checked against a direct loop to 1e-12.
   */
  @Test
  void fixedSquaredDistanceEdgeIsSoftNearestNeighbour() {
    GraphConv g = new GraphConv("", H, 1, 0, 1, GraphConv.Edge.negativeSquaredDistance());
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    m.put("ll.weight", Tensor.constant(Nd4j.createFromArray(new double[][] {{0}, {1}})));
    m.put("hl.weight", Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2 * H, 1)));
    m.put("ll.bias", Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1)));
    Params p = Params.of(m);
    INDArray h = GradientCheck.uniform(4, -1, 1, B, NODES, H);
    INDArray l = labels(5);
    GraphConv.Nodes out = g.forward(p, Tensor.constant(h), Tensor.constant(l));
    assertEquals(null, out.h());
    int q = NODES - 1;
    for (int b = 0; b < B; b++) {
      double[] w = new double[q];
      double z = 0;
      for (int j = 0; j < q; j++) {
        double d = 0;
        for (int f = 0; f < H; f++) {
          double e = h.getDouble(b, q, f) - h.getDouble(b, j, f);
          d += e * e;
        }
        w[j] = Math.exp(-d);
        z += w[j];
      }
      for (int k = 0; k < CLASSES; k++) {
        double expected = 0;
        for (int j = 0; j < q; j++) {
          expected += w[j] / z * l.getDouble(b, j, k, 0);
        }
        assertEquals(expected, out.l().value().getDouble(b, q, k, 0), 1e-12, "task " + b + " class " + k);
      }
    }
  }

  @Test
  void permutingClassesPermutesClassOutputsAndFixesInvariantOutputs() {
    GraphConv g = new GraphConv("g.", H, 2, 3, 2, 4);
    Params p = g.init(7, DataType.DOUBLE);
    INDArray h = GradientCheck.uniform(8, -1, 1, B, NODES, H);
    INDArray l = GradientCheck.uniform(9, -1, 1, B, NODES, CLASSES, 2);
    int[] perm = {2, 0, 1};
    INDArray lp = Nd4j.zeros(DataType.DOUBLE, B, NODES, CLASSES, 2);
    for (int k = 0; k < CLASSES; k++) {
      lp.get(all(), all(), point(k), all()).assign(l.get(all(), all(), point(perm[k]), all()));
    }
    GraphConv.Nodes a = g.forward(p, Tensor.constant(h), Tensor.constant(l));
    GraphConv.Nodes c = g.forward(p, Tensor.constant(h), Tensor.constant(lp));
    assertTrue(a.h().value().equalsWithEps(c.h().value(), 1e-12), "invariant part changed");
    for (int k = 0; k < CLASSES; k++) {
      INDArray x = a.l().value().get(all(), all(), point(perm[k]), all());
      INDArray y = c.l().value().get(all(), all(), point(k), all());
      assertTrue(x.equalsWithEps(y, 1e-12), "class " + k);
    }
  }

  private static org.nd4j.linalg.indexing.INDArrayIndex all() {
    return org.nd4j.linalg.indexing.NDArrayIndex.all();
  }

  private static org.nd4j.linalg.indexing.INDArrayIndex point(long i) {
    return org.nd4j.linalg.indexing.NDArrayIndex.point(i);
  }

  /**
   * Two layers as the paper's network: x ← [x, ρ(layer(x))], then a class output; loss = Σ w · tanh(output).
   * One graph of 3 nodes, 2 classes, H = 2, edge hidden 2 (central differences cost two losses per coordinate).
   */
  @Test
  void twoLayersGradientAndHessianVectorProductMatchFiniteDifferences() {
    int h0 = 2;
    GraphConv g0 = new GraphConv("g0.", h0, 1, 2, 1, 2);
    GraphConv g1 = new GraphConv("g1.", h0 + 2, 2, 0, 1, 2);
    Params p0 = g0.init(11, DataType.DOUBLE);
    Params p1 = g1.init(12, DataType.DOUBLE);
    List<String> names = new ArrayList<>(p0.names());
    names.addAll(p1.names());
    INDArray weights = GradientCheck.uniform(13, -1, 1, 1, 3, 2, 1);
    Function<List<Tensor>, Tensor> f = ts -> {
      Params p = Params.of(names, ts.subList(0, names.size()));
      Tensor h = ts.get(names.size());
      Tensor l = ts.get(names.size() + 1);
      GraphConv.Nodes n0 = g0.forward(p, h, l);
      Tensor h1 = Ops.concat(2, List.of(h, GraphConv.leakyRelu(n0.h(), 0.1)));
      Tensor l1 = Ops.concat(3, List.of(l, GraphConv.leakyRelu(n0.l(), 0.1)));
      GraphConv.Nodes n1 = g1.forward(p, h1, l1);
      return Ops.sum(Ops.mul(Ops.tanh(n1.l()), Tensor.constant(weights)), false);
    };
    List<INDArray> at = new ArrayList<>();
    p0.tensors().forEach(t -> at.add(t.value().dup()));
    p1.tensors().forEach(t -> at.add(t.value().dup()));
    at.add(GradientCheck.uniform(14, -1, 1, 1, 3, h0));
    at.add(GradientCheck.uniform(15, 0, 1, 1, 3, 2, 1));
    double err = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(err < TOL, "gradient error " + err);
    List<INDArray> v = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      v.add(GradientCheck.uniform(30 + i, -1, 1, at.get(i).shape()));
    }
    double hvp = GradientCheck.hvpError(f, at, v, 1e-5);
    assertTrue(hvp < TOL, "Hessian-vector product error " + hvp);
  }

  @Test
  void badInputsAreNamed() {
    var ex = assertThrows(IllegalArgumentException.class, () -> new GraphConv("g.", 0, 0, 1, 1, 4));
    assertTrue(ex.getMessage().contains("widths"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> new GraphConv("g.", 2, 1, 1, 1, 0));
    assertTrue(ex.getMessage().contains("edge hidden"), ex.getMessage());
    GraphConv g = new GraphConv("g.", H, 1, 2, 2, 4);
    Params p = g.init(1, DataType.DOUBLE);
    ex = assertThrows(IllegalArgumentException.class, () -> g.forward(p,
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, B, NODES, H + 1)), Tensor.constant(labels(1))));
    assertTrue(ex.getMessage().contains("invariant features must be [B, n, 3]"), ex.getMessage());
    ex = assertThrows(IllegalArgumentException.class, () -> g.forward(p,
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, B, NODES, H)), Tensor.constant(Nd4j.zeros(DataType.DOUBLE, B, 2, 3, 1))));
    assertTrue(ex.getMessage().contains("share the batch and node axes"), ex.getMessage());
  }
}
