package org.bml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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

/**
 * {@link LstmCell}: one step against the defining equations evaluated element by element in plain
 * double arithmetic; the gradient (central differences, ε = 1e-6) and the Hessian-vector product
 * (ε = 1e-5) of a loss through 3 unrolled steps (2 with per-task weights) with respect to all weights, the inputs and the
 * initial state, in float64 at relative tolerance 1e-6 (as the op checks); per-task weights; errors.
 */
class LstmCellTest {
  private static final double TOL = 1e-6;
  private static final int T = 2;
  private static final int N = 3;
  private static final int IN = 2;
  private static final int H = 3;
  private static final int STEPS = 3;

  @BeforeAll
  static void oneThread() {
    Nd4jThreads.single();
  }

  @AfterAll
  static void restore() {
    Nd4jThreads.restore();
  }

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  @Test
  void oneStepFollowsTheDefiningEquations() {
    LstmCell cell = new LstmCell("l.", IN, H);
    Params p = cell.init(5, DataType.DOUBLE);
    INDArray x = GradientCheck.uniform(1, -1, 1, T, N, IN);
    INDArray h = GradientCheck.uniform(2, -1, 1, T, N, H);
    INDArray c = GradientCheck.uniform(3, -1, 1, T, N, H);
    LstmCell.State s = cell.step(p, Tensor.constant(x), new LstmCell.State(Tensor.constant(h), Tensor.constant(c)));
    INDArray wih = p.get("l.weight_ih").value();
    INDArray whh = p.get("l.weight_hh").value();
    INDArray b = p.get("l.bias").value();
    for (int t = 0; t < T; t++) {
      for (int r = 0; r < N; r++) {
        for (int k = 0; k < H; k++) {
          double[] z = new double[4];
          for (int gate = 0; gate < 4; gate++) {
            int col = gate * H + k;
            double v = b.getDouble(col);
            for (int a = 0; a < IN; a++) {
              v += x.getDouble(t, r, a) * wih.getDouble(a, col);
            }
            for (int a = 0; a < H; a++) {
              v += h.getDouble(t, r, a) * whh.getDouble(a, col);
            }
            z[gate] = v;
          }
          double cNew = sigmoid(z[1]) * c.getDouble(t, r, k) + sigmoid(z[0]) * Math.tanh(z[2]);
          double hNew = sigmoid(z[3]) * Math.tanh(cNew);
          assertEquals(cNew, s.c().value().getDouble(t, r, k), 1e-14, "c'");
          assertEquals(hNew, s.h().value().getDouble(t, r, k), 1e-14, "h'");
        }
      }
    }
  }

  // Inputs: weight_ih, weight_hh, bias, x_1..x_STEPS, h0, c0; loss: a probe of every h_t plus the last c.
  private static Function<List<Tensor>, Tensor> unrolled(LstmCell cell, int steps) {
    return v -> {
      Params p = Params.of(List.of(cell.weightIh(), cell.weightHh(), cell.bias()), v.subList(0, 3));
      LstmCell.State s = new LstmCell.State(v.get(3 + steps), v.get(4 + steps));
      Tensor loss = null;
      for (int t = 0; t < steps; t++) {
        s = cell.step(p, v.get(3 + t), s);
        Tensor term = GradientCheck.probe(s.h(), 20 + t);
        loss = loss == null ? term : Ops.add(loss, term);
      }
      return Ops.add(loss, GradientCheck.probe(s.c(), 40));
    };
  }

  private static List<INDArray> point(LstmCell cell, long seed, boolean perTask, int tasks, int rows, int steps) {
    int in = cell.inputSize();
    int hs = cell.hiddenSize();
    List<INDArray> at = new ArrayList<>();
    int k = 0;
    for (long[] shape : cell.parameterShapes().values()) {
      long[] s = shape;
      if (perTask) {
        s = new long[shape.length + 1];
        s[0] = tasks;
        System.arraycopy(shape, 0, s, 1, shape.length);
      }
      at.add(GradientCheck.uniform(seed + k++, -0.8, 0.8, s));
    }
    for (int t = 0; t < steps; t++) {
      at.add(GradientCheck.uniform(seed + k++, -1, 1, tasks, rows, in));
    }
    at.add(GradientCheck.uniform(seed + k++, -0.5, 0.5, tasks, rows, hs));
    at.add(GradientCheck.uniform(seed + k, -0.5, 0.5, tasks, rows, hs));
    return at;
  }

  private static List<INDArray> direction(List<INDArray> at, long seed) {
    List<INDArray> d = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      d.add(GradientCheck.uniform(seed + i, -1, 1, at.get(i).shape()));
    }
    return d;
  }

  @Test
  void gradientAndHvpThroughUnrolledStepsMatchFiniteDifferences() {
    LstmCell cell = new LstmCell("", IN, H);
    List<INDArray> at = point(cell, 100, false, 2, 2, STEPS);
    Function<List<Tensor>, Tensor> f = unrolled(cell, STEPS);
    double g = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(g < TOL, "gradient error " + g);
    double hv = GradientCheck.hvpError(f, at, direction(at, 300), 1e-5);
    assertTrue(hv < TOL, "HVP error " + hv);
  }

  @Test
  void perTaskWeightsAreDifferentiableToo() {
    LstmCell cell = new LstmCell("p.", IN, 2);
    List<INDArray> at = point(cell, 500, true, 2, 1, 2);
    Function<List<Tensor>, Tensor> f = unrolled(cell, 2);
    double g = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(g < TOL, "gradient error " + g);
    double hv = GradientCheck.hvpError(f, at, direction(at, 700), 1e-5);
    assertTrue(hv < TOL, "HVP error " + hv);
  }

  @Test
  void tanhIsAccurateNearZeroAndDifferentiable() {
    double[] xs = {-30, -3, -0.5, -0.0101, -0.0099, -1e-3, -1e-8, -1e-12, 0, 1e-300, 1e-12, 1e-8, 1e-6, 1e-3, 0.0099,
        0.0101, 0.5, 3, 30, 1e300};
    INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(xs);
    INDArray t = LstmCell.tanh(Tensor.constant(x)).value();
    for (int k = 0; k < xs.length; k++) {
      double want = Math.tanh(xs[k]);
      assertEquals(want, t.getDouble(k), 1e-15 * Math.abs(want), "tanh(" + xs[k] + ")"); // ND4J itself: ~2 ulp
    }
    // Across the switch between series and ND4J's tanh, and deep in the series range.
    INDArray at = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[] {0.0095, -0.0105, 0.003, -2e-4, 0.7, -1.3});
    Function<List<Tensor>, Tensor> f = v -> GradientCheck.probe(LstmCell.tanh(v.get(0)), 3);
    assertTrue(GradientCheck.gradientError(f, List.of(at), 1e-6) < TOL, "gradient");
    INDArray dir = GradientCheck.uniform(4, -1, 1, 6);
    assertTrue(GradientCheck.hvpError(f, List.of(at), List.of(dir), 1e-5) < TOL, "HVP");
  }

  @Test
  void shapesNamesAndSeededInit() {
    LstmCell cell = new LstmCell("lstm0.", 4, 5);
    assertEquals(List.of("lstm0.weight_ih", "lstm0.weight_hh", "lstm0.bias"),
        new ArrayList<>(cell.parameterShapes().keySet()));
    Params p = cell.init(9, DataType.DOUBLE);
    assertArrayEquals(new long[] {4, 20}, p.get("lstm0.weight_ih").shape());
    assertArrayEquals(new long[] {5, 20}, p.get("lstm0.weight_hh").shape());
    assertArrayEquals(new long[] {20}, p.get("lstm0.bias").shape());
    assertEquals(p.get("lstm0.bias").value(), cell.init(9, DataType.DOUBLE).get("lstm0.bias").value(), "seeded");
    assertTrue(p.get("lstm0.weight_ih").value().amaxNumber().doubleValue() <= 1 / Math.sqrt(5), "U(±1/√H)");
    LstmCell.State s = cell.step(p, Tensor.constant(GradientCheck.uniform(1, -1, 1, 2, 7, 4)),
        cell.zeroState(2, 7, DataType.DOUBLE));
    assertArrayEquals(new long[] {2, 7, 5}, s.h().shape());
    assertArrayEquals(new long[] {2, 7, 5}, s.c().shape());
  }

  @Test
  void badArgumentsAreNamed() {
    assertThrows(IllegalArgumentException.class, () -> new LstmCell("", 0, 3));
    assertThrows(IllegalArgumentException.class, () -> new LstmCell("", 2, -1));
    assertThrows(IllegalArgumentException.class, () -> new LstmCell(null, 2, 3));
    LstmCell cell = new LstmCell("", IN, H);
    Params p = cell.init(1, DataType.DOUBLE);
    LstmCell.State s = cell.zeroState(T, N, DataType.DOUBLE);
    Tensor wrongFeatures = Tensor.constant(GradientCheck.uniform(1, -1, 1, T, N, IN + 1));
    String m = assertThrows(IllegalArgumentException.class, () -> cell.step(p, wrongFeatures, s)).getMessage();
    assertTrue(m.contains("x must be [T, n, 2]"), m);
    Tensor x = Tensor.constant(GradientCheck.uniform(1, -1, 1, T, N + 1, IN));
    m = assertThrows(IllegalArgumentException.class, () -> cell.step(p, x, s)).getMessage();
    assertTrue(m.contains("state must be"), m);
    Params bad = p.with("bias", Tensor.constant(GradientCheck.uniform(2, -1, 1, 4 * H + 1)));
    Tensor x2 = Tensor.constant(GradientCheck.uniform(1, -1, 1, T, N, IN));
    m = assertThrows(IllegalArgumentException.class, () -> cell.step(bad, x2, s)).getMessage();
    assertTrue(m.contains("'bias'"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> cell.step(Params.of(List.of("other"), List.of(x2)), x2, s)).getMessage();
    assertTrue(m.contains("weight_ih"), m);
    assertThrows(IllegalArgumentException.class, () -> new LstmCell.State(s.h(),
        Tensor.constant(GradientCheck.uniform(1, -1, 1, T, N, H + 1))));
    assertThrows(IllegalArgumentException.class, () -> cell.zeroState(0, 1, DataType.DOUBLE));
  }
}
