package org.bml.core.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bml.core.autodiff.ArrayBackend.Binary;
import org.bml.core.autodiff.ArrayBackend.Unary;
import org.bml.core.autodiff.ArrayBackend.WithScalar;
import org.bml.core.memory.MemoryScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Java element-wise kernels against the ND4J calls they replace, bit for bit (signed zeros,
 * infinities and subnormals included; a NaN as a NaN), on same-shape and broadcast operands, views with
 * offsets and arrays in a workspace holding garbage; and that they decline what they do not cover.
 */
class ElementwiseTest {
  private static final long[][][] PAIRS = {
      {{}, {}}, {{1}, {1}}, {{7}, {7}}, {{25, 10, 40}, {25, 10, 40}}, {{25, 10, 40}, {1, 1, 40}},
      {{1, 1, 40}, {25, 10, 40}}, {{25, 10, 40}, {25, 1, 40}}, {{25, 10, 1}, {25, 10, 40}}, {{25, 10, 40}, {1, 10, 1}},
      {{3, 1, 5}, {1, 4, 1}}, {{2, 3, 4, 5}, {2, 1, 4, 1}}, {{1, 1, 1}, {5, 4, 3}}, {{40, 40}, {40, 40}}};

  // Values with the special cases mixed in: signed zeros, NaN, infinities, subnormals, large and small.
  private static INDArray values(SplittableRandom rng, DataType dt, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[(int) n];
    double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        dt == DataType.FLOAT ? Float.MIN_VALUE : Double.MIN_VALUE, dt == DataType.FLOAT ? -1e-41 : -1e-310, 1e30, -3e-30};
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextInt(6) == 0 ? special[rng.nextInt(special.length)] : (rng.nextDouble() * 2 - 1) * Math.pow(10, rng.nextInt(7) - 3);
    }
    INDArray a = Nd4j.create(v, shape.length == 0 ? new long[0] : shape, DataType.DOUBLE).castTo(dt);
    // Half of the operands are views with an offset into a larger buffer (meta-parameters are).
    if (shape.length > 0 && rng.nextBoolean()) {
      INDArray big = Nd4j.zeros(dt, n + 11);
      INDArray view = big.get(NDArrayIndex.interval(5, 5 + n)).reshape(shape);
      view.assign(a);
      return view;
    }
    return a;
  }

  private static void assertSameBits(INDArray expected, INDArray actual, String what) {
    assertNotNull(actual, what + ": the fast path declined");
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    assertEquals(expected.dataType(), actual.dataType(), what + ": dtype");
    int n = (int) expected.length();
    double[] e = expected.reshape(n).toDoubleVector();
    double[] a = actual.reshape(n).toDoubleVector();
    boolean f = expected.dataType() == DataType.FLOAT;
    for (int i = 0; i < n; i++) {
      // NaN is compared as NaN: the sign and payload of a NaN an operation creates are not
      // specified (x86 makes −NaN, the JIT's constant folding +NaN), and nothing reads them.
      if (Double.isNaN(e[i])) {
        assertEquals(true, Double.isNaN(a[i]), what + " at " + i + ": NaN vs " + a[i]);
        continue;
      }
      // float → double is exact, so equal double bits are equal float bits (−0 and subnormals too).
      assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]),
          what + " at " + i + ": " + (f ? (float) e[i] + " vs " + (float) a[i] : e[i] + " vs " + a[i]));
    }
  }

  private static INDArray nd4j(Binary op, INDArray a, INDArray b) {
    return switch (op) {
      case ADD -> a.add(b);
      case SUB -> a.sub(b);
      case MUL -> a.mul(b);
      case DIV -> a.div(b);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void binaryOpsHaveNd4jsBits(String type) {
    DataType dt = DataType.valueOf(type);
    SplittableRandom rng = new SplittableRandom(12);
    try (MemoryScope scope = MemoryScope.open("elementwise-test")) {
      Nd4j.valueArrayOf(new long[] {40_000}, Double.NaN, dt); // garbage in the workspace
      for (long[][] p : PAIRS) {
        for (Binary op : Binary.values()) {
          INDArray a = values(rng, dt, p[0]);
          INDArray b = values(rng, dt, p[1]);
          assertSameBits(nd4j(op, a, b), Elementwise.binary(op, a, b),
              op + " " + Arrays.toString(p[0]) + " " + Arrays.toString(p[1]));
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void scalarUnaryAndScaledOpsHaveNd4jsBits(String type) {
    DataType dt = DataType.valueOf(type);
    SplittableRandom rng = new SplittableRandom(13);
    double[] scalars = {0.01, -0.4, 1.0 / 3, 0.0, -0.0, 2.0, 1e-30, Double.POSITIVE_INFINITY, 7.1e8};
    for (long[] shape : new long[][] {{}, {1}, {5, 10, 40}, {40, 40}, {3, 5}}) {
      for (double c : scalars) {
        INDArray x = values(rng, dt, shape);
        INDArray y = values(rng, dt, shape);
        String at = Arrays.toString(shape) + " c=" + c;
        assertSameBits(x.add(c), Elementwise.withScalar(WithScalar.ADD, x, c), "add " + at);
        assertSameBits(x.mul(c), Elementwise.withScalar(WithScalar.MUL, x, c), "mul " + at);
        assertSameBits(x.rsub(c), Elementwise.withScalar(WithScalar.RSUB, x, c), "rsub " + at);
        assertSameBits(y.mul(c).addi(x), Elementwise.addScaled(x, y, c), "addScaled " + at);
      }
      INDArray x = values(rng, dt, shape);
      assertSameBits(x.neg(), Elementwise.unary(Unary.NEG, x), "neg");
      assertSameBits(Transforms.relu(x, true), Elementwise.unary(Unary.RELU, x), "relu");
      assertSameBits(Nd4j.getExecutioner().exec(new Step(x, x.ulike(), 0.0)), Elementwise.unary(Unary.STEP, x), "step");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void broadcastCopiesHaveTheBitsOfBothNd4jPaths(String type) {
    DataType dt = DataType.valueOf(type);
    SplittableRandom rng = new SplittableRandom(14);
    long[][][] cases = {{{1, 40}, {250, 40}}, {{1, 1, 40}, {25, 10, 40}}, {{25, 1, 1}, {25, 10, 1}}, {{1}, {25}},
        {{1, 1, 1}, {25, 10, 40}}, {{25, 1, 40}, {25, 10, 40}}, {{1, 10, 1}, {25, 10, 40}}, {{3, 1}, {3, 4}}};
    for (long[][] c : cases) {
      INDArray src = values(rng, dt, c[0]);
      boolean leading = Kernels.isLeadingRepeat(c[0], c[1]);
      INDArray expected = leading ? Kernels.repeatLeading(src, c[1]) : Nd4j.zeros(dt, c[1]).addi(src);
      assertSameBits(expected, Elementwise.broadcastTo(src, c[1], leading),
          "broadcast " + Arrays.toString(c[0]) + " to " + Arrays.toString(c[1]) + (leading ? " (copy)" : " (0 + x)"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void declinesWhatItDoesNotCover(String type) {
    DataType dt = DataType.valueOf(type);
    INDArray big = Nd4j.rand(dt, Elementwise.MAX_LENGTH + 1);
    assertNull(Elementwise.binary(Binary.ADD, big, big), "over the length limit");
    assertNull(Elementwise.withScalar(WithScalar.MUL, big, 2), "over the length limit");
    INDArray f = Nd4j.rand(dt, 'f', 3, 4);
    assertNull(Elementwise.binary(Binary.MUL, f, f), "Fortran order");
    INDArray strided = Nd4j.rand(dt, 4, 6).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3));
    assertNull(Elementwise.unary(Unary.NEG, strided), "a strided view");
    assertNull(Elementwise.unary(Unary.EXP, Nd4j.rand(dt, 3)), "exp is ND4J's own");
    INDArray i = Nd4j.createFromArray(1, 2, 3);
    assertNull(Elementwise.binary(Binary.ADD, i, i), "integers");
    assertNull(Elementwise.binary(Binary.ADD, Nd4j.rand(dt, 3, 4), Nd4j.rand(dt, 3, 5)), "incompatible shapes");
  }
}
