package org.bml.core.model;

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
 * {@link LruaMemory} (Santoro et al. 2016): one write-then-read step against the defining
 * equations in plain double arithmetic; the least-used weights and the zeroed slot; the gradient
 * (central differences, ε = 1e-6) and the Hessian-vector product (ε = 1e-5) of a loss through 3
 * steps with respect to all parameters, the controller outputs, the initial memory and read
 * weights, in float64 at relative tolerance 1e-6 (as the op checks; the usages are pairwise apart,
 * so no least-used choice flips under the steps); errors.
 */
class LruaMemoryTest {
  private static final double TOL = 1e-6;
  private static final int T = 2;
  private static final int H = 3;
  private static final int N = 5;
  private static final int S = 3;
  private static final int R = 2;

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

  private static LruaMemory.State state(INDArray m, INDArray w, INDArray u) {
    return new LruaMemory.State(Tensor.constant(m), Tensor.constant(w), Tensor.constant(u),
        Tensor.constant(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, m.size(0), 1, (long) R * S)));
  }

  @Test
  void oneStepFollowsTheDefiningEquations() {
    double gamma = 0.9;
    double sharp = 1.7;
    LruaMemory mem = new LruaMemory("m.", H, N, S, R, gamma, sharp);
    Params p = mem.init(3, DataType.DOUBLE);
    INDArray h = GradientCheck.uniform(1, -1, 1, T, 1, H);
    INDArray m0 = GradientCheck.uniform(2, -1, 1, T, N, S);
    INDArray w0 = GradientCheck.uniform(3, 0, 1, T, R, N);
    INDArray u0 = GradientCheck.distinct(4, 0.1, 2, T, N);
    u0 = org.nd4j.linalg.ops.transforms.Transforms.abs(u0);
    LruaMemory.State next = mem.step(p, Tensor.constant(h), state(m0, w0, u0));
    for (int t = 0; t < T; t++) {
      // least-used order of this task's usage
      Integer[] order = new Integer[N];
      for (int i = 0; i < N; i++) {
        order[i] = i;
      }
      final int tt = t;
      final INDArray uu = u0;
      java.util.Arrays.sort(order, (a, b) -> Double.compare(uu.getDouble(tt, a), uu.getDouble(tt, b)));
      double[][] key = new double[R][S];
      double[][] add = new double[R][S];
      double[] gate = new double[R];
      for (int j = 0; j < R; j++) {
        for (int s = 0; s < S; s++) {
          int col = j * S + s;
          double zk = p.get("m.key.bias").value().getDouble(col);
          double za = p.get("m.add.bias").value().getDouble(col);
          for (int a = 0; a < H; a++) {
            zk += h.getDouble(t, 0, a) * p.get("m.key.weight").value().getDouble(a, col);
            za += h.getDouble(t, 0, a) * p.get("m.add.weight").value().getDouble(a, col);
          }
          key[j][s] = Math.tanh(zk);
          add[j][s] = Math.tanh(za);
        }
        double zg = p.get("m.gate.bias").value().getDouble(j);
        for (int a = 0; a < H; a++) {
          zg += h.getDouble(t, 0, a) * p.get("m.gate.weight").value().getDouble(a, j);
        }
        gate[j] = sigmoid(zg);
      }
      double[][] ww = new double[R][N];
      for (int j = 0; j < R; j++) {
        for (int i = 0; i < N; i++) {
          ww[j][i] = gate[j] * w0.getDouble(t, j, i) + (1 - gate[j]) * (order[j] == i ? 1 : 0);
        }
      }
      double[][] m = new double[N][S];
      for (int i = 0; i < N; i++) {
        for (int s = 0; s < S; s++) {
          m[i][s] = i == order[0] ? 0 : m0.getDouble(t, i, s);
          for (int j = 0; j < R; j++) {
            m[i][s] += ww[j][i] * add[j][s];
          }
          assertEquals(m[i][s], next.memory().value().getDouble(t, i, s), 1e-14, "memory");
        }
      }
      double[] usage = new double[N];
      for (int i = 0; i < N; i++) {
        usage[i] = gamma * u0.getDouble(t, i);
      }
      for (int j = 0; j < R; j++) {
        double[] e = new double[N];
        double z = 0;
        double kn = 0;
        for (int s = 0; s < S; s++) {
          kn += key[j][s] * key[j][s];
        }
        for (int i = 0; i < N; i++) {
          double dot = 0;
          double mn = 0;
          for (int s = 0; s < S; s++) {
            dot += key[j][s] * m[i][s];
            mn += m[i][s] * m[i][s];
          }
          double cos = dot / Math.sqrt(kn + LruaMemory.COSINE_EPS) / Math.sqrt(mn + LruaMemory.COSINE_EPS);
          e[i] = Math.exp(sharp * cos);
          z += e[i];
        }
        for (int i = 0; i < N; i++) {
          double wr = e[i] / z;
          assertEquals(wr, next.readWeights().value().getDouble(t, j, i), 1e-14, "read weight");
          usage[i] += wr + ww[j][i];
        }
        for (int s = 0; s < S; s++) {
          double r = 0;
          for (int i = 0; i < N; i++) {
            r += e[i] / z * m[i][s];
          }
          assertEquals(r, next.read().value().getDouble(t, 0, j * S + s), 1e-14, "read vector");
        }
      }
      for (int i = 0; i < N; i++) {
        assertEquals(usage[i], next.usage().value().getDouble(t, i), 1e-14, "usage");
      }
    }
  }

  @Test
  void leastUsedWeightsFollowTheUsageOrderWithTiesToTheLowerSlot() {
    LruaMemory mem = new LruaMemory("", H, 4, S, 2, 0.95, 1);
    INDArray u = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{0.5, 0.1, 0.1, 0.9}, {0, 3, 2, 1}});
    INDArray[] m = mem.leastUsed(u);
    // task 0: slots 1 and 2 tie at 0.1 -> head 0 on slot 1, head 1 on slot 2; slot 1 is cleared
    assertEquals(1.0, m[0].getDouble(0, 0, 1));
    assertEquals(1.0, m[0].getDouble(0, 1, 2));
    assertEquals(0.0, m[1].getDouble(0, 1, 0));
    assertEquals(6.0, m[1].sumNumber().doubleValue(), 0.0, "one slot cleared per task");
    // task 1: ascending usage 0 (slot 0), 1 (slot 3)
    assertEquals(1.0, m[0].getDouble(1, 0, 0));
    assertEquals(1.0, m[0].getDouble(1, 1, 3));
    assertEquals(0.0, m[1].getDouble(1, 0, 0));
    assertEquals(4.0, m[0].sumNumber().doubleValue(), 0.0, "one slot per head");
    // from the initial state the first writes go to slots 1..R (slot 0 carries the initial usage)
    LruaMemory.State s0 = mem.initialState(1, DataType.DOUBLE);
    INDArray[] first = mem.leastUsed(s0.usage().value());
    assertEquals(1.0, first[0].getDouble(0, 0, 1));
    assertEquals(1.0, first[0].getDouble(0, 1, 2));
  }

  // Inputs: the 6 parameters, h_1..h_steps [T,1,H], initial memory [T,N,S], initial read weights [T,R,N].
  private static Function<List<Tensor>, Tensor> unrolled(LruaMemory mem, int steps, INDArray usage0) {
    long tasks = usage0.size(0);
    List<String> names = new ArrayList<>(mem.parameterShapes().keySet());
    return v -> {
      Params p = Params.of(names, v.subList(0, 6));
      LruaMemory.State s = new LruaMemory.State(v.get(6 + steps), v.get(7 + steps), Tensor.constant(usage0),
          Tensor.constant(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, tasks, 1, (long) R * S)));
      Tensor loss = null;
      for (int t = 0; t < steps; t++) {
        s = mem.step(p, v.get(6 + t), s);
        Tensor term = GradientCheck.probe(s.read(), 20 + t);
        loss = loss == null ? term : Ops.add(loss, term);
      }
      loss = Ops.add(loss, GradientCheck.probe(s.memory(), 40));
      return Ops.add(loss, GradientCheck.probe(s.usage(), 41));
    };
  }

  @Test
  void gradientAndHvpThroughThreeStepsMatchFiniteDifferences() {
    int steps = 3;
    LruaMemory mem = new LruaMemory("", H, N, S, R, 0.95, 2.0);
    List<INDArray> at = new ArrayList<>();
    int k = 0;
    for (long[] shape : mem.parameterShapes().values()) {
      at.add(GradientCheck.uniform(100 + k++, -0.8, 0.8, shape));
    }
    for (int t = 0; t < steps; t++) {
      at.add(GradientCheck.uniform(100 + k++, -1, 1, 1, 1, H));
    }
    at.add(GradientCheck.uniform(100 + k++, -1, 1, 1, N, S));
    at.add(GradientCheck.uniform(100 + k, 0, 1, 1, R, N));
    INDArray usage0 = org.nd4j.linalg.ops.transforms.Transforms.abs(GradientCheck.distinct(77, 0.1, 3, 1, N));
    Function<List<Tensor>, Tensor> f = unrolled(mem, steps, usage0);
    double g = GradientCheck.gradientError(f, at, 1e-6);
    assertTrue(g < TOL, "gradient error " + g);
    List<INDArray> d = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      d.add(GradientCheck.uniform(300 + i, -1, 1, at.get(i).shape()));
    }
    double hv = GradientCheck.hvpError(f, at, d, 1e-5);
    assertTrue(hv < TOL, "HVP error " + hv);
  }

  @Test
  void badArgumentsAreNamed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LruaMemory("", H, 2, S, 2, 0.9, 1))
        .getMessage().contains("slots (2) must exceed the number of reads (2)"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LruaMemory("", H, 8, S, 1, 1.5, 1))
        .getMessage().contains("gamma"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LruaMemory("", H, 8, S, 1, 0.9, 0))
        .getMessage().contains("sharpness"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new LruaMemory("", 0, 8, S, 1, 0.9, 1))
        .getMessage().contains("positive"));
    LruaMemory mem = new LruaMemory("", H, 8, S, 1, 0.9, 1);
    Params p = mem.init(1, DataType.DOUBLE);
    LruaMemory.State s = mem.initialState(2, DataType.DOUBLE);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> mem.step(p, Tensor.constant(GradientCheck.uniform(1, -1, 1, 2, 2, H)), s)).getMessage()
        .contains("h must be [T, 1, 3]"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> mem.step(p, Tensor.constant(GradientCheck.uniform(1, -1, 1, 3, 1, H)), s)).getMessage()
        .contains("memory must be [3, 8, 3]"));
  }
}
