package org.bml.core.autodiff;

import static org.bml.core.check.GradientCheck.distinct;
import static org.bml.core.check.GradientCheck.uniform;
import static org.bml.core.check.GradientCheck.uniformAwayFromZero;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bml.core.check.GradientCheck;
import org.bml.core.check.Nd4jThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every op's gradient and Hessian-vector product against finite differences in float64, with
 * respect to all its tensor inputs jointly. Each op output y is turned into a scalar by
 * {@link GradientCheck#probe} (Σ R⊙y + ½ Σ S⊙y²), so the HVP is non-zero even for linear ops and
 * checks the backward of each backward rule in both the inputs and the upstream gradient.
 *
 * <p>Steps: ε = 1e-6 for gradients (truncation ~1e-12·f''', rounding ~1e-10 for O(1) values) and
 * ε = 1e-5 for HVPs (differences of analytic gradients; both error terms ~1e-10); the tolerance
 * 1e-6 leaves four orders of magnitude of margin yet catches any wrong factor, sign or index.
 * Inputs stay ≥ 1e-2 away from kinks (relu at 0, ties in max/maxPool), which is far beyond ε·|v|.
 */
class OpGradientTest {
  static final double GRAD_EPS = 1e-6;
  static final double HVP_EPS = 1e-5;
  static final double TOL = 1e-6;

  // Largest errors per op family, printed after the class for the report.
  private static final Map<String, double[]> WORST = new TreeMap<>();
  private static final Map<String, Double> SECONDS = new TreeMap<>();

  record Case(String family, String name, Function<List<Tensor>, Tensor> op, List<INDArray> inputs) {
    @Override
    public String toString() {
      return family + ": " + name;
    }
  }

  @BeforeAll
  static void oneThread() {
    Nd4jThreads.single();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void gradientAndHessianVectorProductMatchFiniteDifferences(Case c) {
    long t0 = System.nanoTime();
    long seed = c.name().hashCode();
    Function<List<Tensor>, Tensor> f = xs -> GradientCheck.probe(c.op().apply(xs), seed);
    List<INDArray> v = new ArrayList<>();
    for (int i = 0; i < c.inputs().size(); i++) {
      v.add(uniform(seed + 100 + i, -1, 1, c.inputs().get(i).shape()));
    }
    double g = GradientCheck.gradientError(f, c.inputs(), GRAD_EPS);
    double h = GradientCheck.hvpError(f, c.inputs(), v, HVP_EPS);
    synchronized (WORST) {
      double[] w = WORST.computeIfAbsent(c.family(), k -> new double[3]);
      w[0] = Math.max(w[0], g);
      w[1] = Math.max(w[1], h);
      SECONDS.put(c.toString(), (System.nanoTime() - t0) / 1e9);
      w[2] += (System.nanoTime() - t0) / 1e9;
    }
    assertTrue(g <= TOL, c + ": gradient relative error " + g);
    assertTrue(h <= TOL, c + ": HVP relative error " + h);
  }

  @AfterAll
  static void report() {
    Nd4jThreads.restore();
    StringBuilder s = new StringBuilder("Largest relative errors per op family (gradient, HVP; seconds):\n");
    WORST.forEach((k, w) -> s.append(String.format("  %-22s %.2e  %.2e  %5.1f s%n", k, w[0], w[1], w[2])));
    s.append("Slowest cases:\n");
    SECONDS.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(5)
        .forEach(e -> s.append(String.format("  %5.2f s  %s%n", e.getValue(), e.getKey())));
    System.out.print(s);
  }

  // ---------------------------------------------------------------- the table

  private static int seq = 1;

  private static INDArray u(long... shape) {
    return uniform(seq++, -1, 1, shape);
  }

  private static INDArray pos(long... shape) {
    return uniform(seq++, 0.5, 2.0, shape);
  }

  private static INDArray away(long... shape) {
    return uniformAwayFromZero(seq++, 0.5, 1.5, shape);
  }

  private static INDArray dist(long... shape) {
    return distinct(seq++, 0.1, 2.0, shape);
  }

  private static Case c(String family, String name, Function<List<Tensor>, Tensor> op, INDArray... inputs) {
    return new Case(family, name, op, List.of(inputs));
  }

  private static Tensor x0(List<Tensor> xs) {
    return xs.get(0);
  }

  static Stream<Case> cases() {
    seq = 1;
    List<Case> l = new ArrayList<>();
    matmul(l);
    binary(l);
    unary(l);
    reductions(l);
    shapes(l);
    indexing(l);
    losses(l);
    conv(l);
    pooling(l);
    normalisation(l);
    distances(l);
    return l.stream();
  }

  private static void matmul(List<Case> l) {
    boolean[] tf = {false, true};
    for (boolean ta : tf) {
      for (boolean tb : tf) {
        long[] as = ta ? new long[] {4, 3} : new long[] {3, 4};
        long[] bs = tb ? new long[] {2, 4} : new long[] {4, 2};
        String n = "transA=" + ta + " transB=" + tb;
        l.add(c("matmul", "2-D " + n, xs -> Ops.matmul(xs.get(0), xs.get(1), ta, tb), u(as), u(bs)));
        l.add(c("matmul", "batched 3-D " + n, xs -> Ops.matmul(xs.get(0), xs.get(1), ta, tb),
            u(2, as[0], as[1]), u(2, bs[0], bs[1])));
      }
    }
    l.add(c("matmul", "matmul(a, b) shorthand", xs -> xs.get(0).matmul(xs.get(1)), u(2, 3), u(3, 4)));
    l.add(c("matmul", "same tensor both sides (a aᵀ)", xs -> Ops.matmul(xs.get(0), xs.get(0), false, true), u(3, 2)));
    l.add(c("matmul", "linear x [T,n,in], shared W [in,out], b [out]",
        xs -> Ops.linear(xs.get(0), xs.get(1), xs.get(2)), u(2, 3, 4), u(4, 5), u(5)));
    l.add(c("matmul", "linear per-task W [T,in,out], b [T,out]",
        xs -> Ops.linear(xs.get(0), xs.get(1), xs.get(2)), u(2, 3, 4), u(2, 4, 5), u(2, 5)));
    l.add(c("matmul", "linear without bias", xs -> Ops.linear(xs.get(0), xs.get(1), null), u(2, 3, 4), u(4, 5)));
    // Views: a transposed (non-contiguous) operand and row slices that start at an offset.
    l.add(c("matmul", "operand is a transposed view", xs -> Ops.matmul(Ops.transpose(xs.get(0), 0, 1), xs.get(1)),
        u(4, 3), u(4, 2)));
    l.add(c("matmul", "batched operands are offset slices",
        xs -> Ops.matmul(Ops.slice(xs.get(0), 0, 1, 3), Ops.slice(xs.get(1), 0, 0, 2), false, true),
        u(3, 2, 4), u(3, 3, 4)));
    l.add(c("matmul", "linear of an offset slice", xs -> Ops.linear(Ops.slice(xs.get(0), 0, 1, 3), xs.get(1), null),
        u(3, 2, 4), u(4, 3)));
  }

  private static void binary(List<Case> l) {
    long[][][] shapes = {
        {{3, 4}, {3, 4}},
        {{2, 3, 4}, {2, 1, 4}},
        {{2, 1, 4}, {2, 3, 4}},
        {{2, 3, 4}, {4}},
        {{4}, {2, 3, 4}},
        {{2, 3, 4}, {3, 1}},
        {{3, 1}, {2, 3, 4}},
        {{2, 1, 4}, {1, 3, 1}},
        {{2, 3}, {}},
        {{}, {2, 3}},
    };
    for (long[][] s : shapes) {
      String n = java.util.Arrays.toString(s[0]) + " with " + java.util.Arrays.toString(s[1]);
      l.add(c("add/sub/mul/div", "add " + n, xs -> Ops.add(xs.get(0), xs.get(1)), u(s[0]), u(s[1])));
      l.add(c("add/sub/mul/div", "sub " + n, xs -> Ops.sub(xs.get(0), xs.get(1)), u(s[0]), u(s[1])));
      l.add(c("add/sub/mul/div", "mul " + n, xs -> Ops.mul(xs.get(0), xs.get(1)), u(s[0]), u(s[1])));
      l.add(c("add/sub/mul/div", "div " + n, xs -> Ops.div(xs.get(0), xs.get(1)), u(s[0]), away(s[1])));
    }
    l.add(c("add/sub/mul/div", "mul x·x (same tensor twice)", xs -> Ops.mul(xs.get(0), xs.get(0)), u(3, 4)));
    l.add(c("add/sub/mul/div", "div x/x² chain", xs -> Ops.div(xs.get(0), Ops.square(xs.get(0))), away(3, 4)));
    l.add(c("scalar", "addScalar", xs -> Ops.addScalar(x0(xs), 0.7), u(3, 4)));
    l.add(c("scalar", "mulScalar", xs -> Ops.mulScalar(x0(xs), -1.3), u(3, 4)));
    l.add(c("scalar", "rsubScalar", xs -> Ops.rsubScalar(x0(xs), 2.5), u(3, 4)));
    l.add(c("scalar", "neg", xs -> Ops.neg(x0(xs)), u(3, 4)));
    l.add(c("scalar", "addScaled a + c·b", xs -> Ops.addScaled(xs.get(0), xs.get(1), -0.3), u(3, 4), u(3, 4)));
  }

  private static void unary(List<Case> l) {
    l.add(c("unary", "exp", xs -> Ops.exp(x0(xs)), u(3, 4)));
    l.add(c("unary", "log", xs -> Ops.log(x0(xs)), pos(3, 4)));
    l.add(c("unary", "log1p", xs -> Ops.log1p(x0(xs)), uniform(seq++, -0.5, 2, 3, 4)));
    l.add(c("unary", "sqrt", xs -> Ops.sqrt(x0(xs)), pos(3, 4)));
    l.add(c("unary", "square", xs -> Ops.square(x0(xs)), u(3, 4)));
    l.add(c("unary", "pow 2.5", xs -> Ops.pow(x0(xs), 2.5), pos(3, 4)));
    l.add(c("unary", "pow -1.5", xs -> Ops.pow(x0(xs), -1.5), pos(3, 4)));
    l.add(c("unary", "pow 3 (negative bases)", xs -> Ops.pow(x0(xs), 3), u(3, 4)));
    l.add(c("unary", "tanh", xs -> Ops.tanh(x0(xs)), uniform(seq++, -2, 2, 3, 4)));
    l.add(c("unary", "relu", xs -> Ops.relu(x0(xs)), uniformAwayFromZero(seq++, 0.1, 2, 3, 4)));
    l.add(c("unary", "sigmoid", xs -> Ops.sigmoid(x0(xs)), uniform(seq++, -3, 3, 3, 4)));
    l.add(c("unary", "softplus", xs -> Ops.softplus(x0(xs)), uniform(seq++, -3, 3, 3, 4)));
  }

  private static void reductions(List<Case> l) {
    int[][] axes = {{1}, {-1}, {0}, {0, 2}, {2, 0}, {0, 1, 2}, {}};
    for (int[] a : axes) {
      for (boolean keep : new boolean[] {false, true}) {
        String n = "axes " + java.util.Arrays.toString(a) + " keepDims=" + keep;
        l.add(c("sum/mean/max", "sum " + n, xs -> Ops.sum(x0(xs), keep, a), u(3, 4, 2)));
        l.add(c("sum/mean/max", "mean " + n, xs -> Ops.mean(x0(xs), keep, a), u(3, 4, 2)));
        l.add(c("sum/mean/max", "max " + n, xs -> Ops.max(x0(xs), keep, a), dist(3, 4, 2)));
      }
    }
    l.add(c("sum/mean/max", "fluent sum(axes)/mean(axes)/sumAll/meanAll",
        xs -> Ops.add(Ops.add(x0(xs).sum(1), x0(xs).mean(1)), Ops.add(x0(xs).sumAll(), x0(xs).meanAll())), u(3, 4)));
    for (int axis : new int[] {0, 1, -1}) {
      for (boolean keep : new boolean[] {false, true}) {
        l.add(c("logSumExp", "axis " + axis + " keepDims=" + keep, xs -> Ops.logSumExp(x0(xs), axis, keep),
            uniform(seq++, -3, 3, 3, 4)));
      }
    }
  }

  private static void shapes(List<Case> l) {
    String f = "shape";
    l.add(c(f, "reshape [3,4,5]->[12,5]", xs -> Ops.reshape(x0(xs), 12, 5), u(3, 4, 5)));
    l.add(c(f, "reshape with -1", xs -> Ops.reshape(x0(xs), 5, -1), u(3, 4, 5)));
    l.add(c(f, "reshape of a permuted view", xs -> Ops.reshape(Ops.permute(x0(xs), 2, 0, 1), 5, 12), u(3, 4, 5)));
    l.add(c(f, "permute (2,0,1)", xs -> Ops.permute(x0(xs), 2, 0, 1), u(3, 4, 5)));
    l.add(c(f, "transpose (0,-1)", xs -> Ops.transpose(x0(xs), 0, -1), u(3, 4, 5)));
    l.add(c(f, "broadcastTo [4,1]->[3,4,5]", xs -> Ops.broadcastTo(x0(xs), 3, 4, 5), u(4, 1)));
    l.add(c(f, "broadcastTo [5]->[2,4,5]", xs -> Ops.broadcastTo(x0(xs), 2, 4, 5), u(5)));
    l.add(c(f, "broadcastTo []->[2,3]", xs -> Ops.broadcastTo(x0(xs), 2, 3), u()));
    l.add(c(f, "sumTo [3,4,5]->[4,1]", xs -> Ops.sumTo(x0(xs), 4, 1), u(3, 4, 5)));
    l.add(c(f, "sumTo [3,4,5]->[5]", xs -> Ops.sumTo(x0(xs), 5), u(3, 4, 5)));
    l.add(c(f, "sumTo [3,4,5]->[3,1,1]", xs -> Ops.sumTo(x0(xs), 3, 1, 1), u(3, 4, 5)));
    l.add(c(f, "expand [3,4]->[2,3,4]", xs -> Ops.expand(x0(xs), 2), u(3, 4)));
    l.add(c(f, "expand of an offset slice", xs -> Ops.expand(Ops.slice(x0(xs), 0, 1, 3), 2), u(3, 4)));
    l.add(c(f, "broadcastTo of a transposed view [3,1]ᵀ->[2,1,3]",
        xs -> Ops.broadcastTo(Ops.transpose(x0(xs), 0, 1), 2, 1, 3), u(3, 1)));
    l.add(c(f, "unsqueeze 1", xs -> Ops.unsqueeze(x0(xs), 1), u(3, 4)));
    l.add(c(f, "unsqueeze -1", xs -> Ops.unsqueeze(x0(xs), -1), u(3, 4)));
    l.add(c(f, "concat axis 1 (three parts)", xs -> Ops.concat(1, xs), u(2, 3), u(2, 1), u(2, 4)));
    l.add(c(f, "concat axis 0", xs -> Ops.concat(0, xs), u(2, 3), u(3, 3)));
    l.add(c(f, "concat axis -1, same tensor twice", xs -> Ops.concat(-1, List.of(x0(xs), x0(xs))), u(2, 3)));
    l.add(c(f, "stack axis 0", xs -> Ops.stack(0, xs), u(2, 3), u(2, 3), u(2, 3)));
    l.add(c(f, "stack axis -1", xs -> Ops.stack(-1, xs), u(2, 3), u(2, 3)));
    l.add(c(f, "slice axis 1 [1,3)", xs -> Ops.slice(x0(xs), 1, 1, 3), u(3, 4, 2)));
    l.add(c(f, "slice axis -1 [0,1)", xs -> Ops.slice(x0(xs), -1, 0, 1), u(3, 4, 2)));
    l.add(c(f, "slice axis 0 twice, overlapping",
        xs -> Ops.mul(Ops.slice(x0(xs), 0, 0, 2), Ops.slice(x0(xs), 0, 1, 3)), u(3, 4)));
  }

  private static void indexing(List<Case> l) {
    String f = "gather/where/mask";
    l.add(c(f, "gather axis 0 repeated", xs -> Ops.gather(x0(xs), 0, new int[] {2, 0, 2, 1, 2}), u(4, 3)));
    l.add(c(f, "gather axis 1 repeated", xs -> Ops.gather(x0(xs), 1, new int[] {3, 3, 0}), u(2, 4, 3)));
    l.add(c(f, "gather axis -1", xs -> Ops.gather(x0(xs), -1, new int[] {1, 0, 1}), u(2, 4, 3)));
    l.add(c(f, "gather rank-1", xs -> Ops.gather(x0(xs), 0, new int[] {1, 1, 3}), u(4)));
    INDArray m34 = Nd4j.createFromArray(new double[][] {{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 1, 0, 0}});
    INDArray m41 = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}, {0}});
    l.add(c(f, "where equal shapes", xs -> Ops.where(m34, xs.get(0), xs.get(1)), u(3, 4), u(3, 4)));
    l.add(c(f, "where broadcast a [3,4], b [4]", xs -> Ops.where(m34, xs.get(0), xs.get(1)), u(3, 4), u(4)));
    l.add(c(f, "where broadcast mask [4,1], a [4,3], b [3]", xs -> Ops.where(m41, xs.get(0), xs.get(1)),
        u(4, 3), u(3)));
    l.add(c(f, "mask", xs -> Ops.mask(x0(xs), m34), u(3, 4)));
    l.add(c(f, "mask broadcast [4,1]", xs -> Ops.mask(x0(xs), m41), u(2, 4, 3)));
  }

  private static void losses(List<Case> l) {
    String f = "softmax/losses";
    for (int axis : new int[] {1, 0, -1}) {
      l.add(c(f, "logSoftmax axis " + axis, xs -> Ops.logSoftmax(x0(xs), axis), uniform(seq++, -2, 2, 3, 4)));
      l.add(c(f, "softmax axis " + axis, xs -> Ops.softmax(x0(xs), axis), uniform(seq++, -2, 2, 3, 4)));
    }
    l.add(c(f, "logSoftmax axis 1 of rank 3", xs -> Ops.logSoftmax(x0(xs), 1), uniform(seq++, -2, 2, 2, 3, 4)));
    l.add(c(f, "softmaxCrossEntropy (logits, soft targets)", xs -> Ops.softmaxCrossEntropy(xs.get(0), xs.get(1), 1),
        uniform(seq++, -2, 2, 3, 4), uniform(seq++, 0, 1, 3, 4)));
    l.add(c(f, "softmaxCrossEntropy axis 0", xs -> Ops.softmaxCrossEntropy(xs.get(0), xs.get(1), 0),
        uniform(seq++, -2, 2, 3, 4), uniform(seq++, 0, 1, 3, 4)));
    l.add(c(f, "mse (prediction, target)", xs -> Ops.mse(xs.get(0), xs.get(1)), u(3, 4), u(3, 4)));
    l.add(c(f, "gaussianNll (y, mean, logVar)", xs -> Ops.gaussianNll(xs.get(0), xs.get(1), xs.get(2)),
        u(3, 4), u(3, 4), u(3, 4)));
    l.add(c(f, "gaussianNll with broadcast logVar [4]", xs -> Ops.gaussianNll(xs.get(0), xs.get(1), xs.get(2)),
        u(3, 4), u(3, 4), u(4)));
  }

  private static void conv(List<Case> l) {
    String f = "conv2d";
    l.add(c(f, "rank-4 stride 1 pad 1", xs -> Ops.conv2d(xs.get(0), xs.get(1), 1, 1), u(2, 2, 4, 4), u(3, 2, 3, 3)));
    l.add(c(f, "rank-4 stride 1 pad 0 non-square", xs -> Ops.conv2d(xs.get(0), xs.get(1), 1, 0),
        u(1, 2, 5, 4), u(3, 2, 3, 3)));
    l.add(c(f, "rank-4 stride 2 pad 0, odd 5x7 (last row and column dropped)",
        xs -> Ops.conv2d(xs.get(0), xs.get(1), 2, 0), u(2, 1, 5, 7), u(2, 1, 2, 2)));
    l.add(c(f, "rank-4 stride 2 pad 0, 6x6 k3 (last row dropped)",
        xs -> Ops.conv2d(xs.get(0), xs.get(1), 2, 0), u(1, 2, 6, 6), u(2, 2, 3, 3)));
    l.add(c(f, "rank-4 stride 2 pad 1", xs -> Ops.conv2d(xs.get(0), xs.get(1), 2, 1), u(1, 2, 5, 5), u(2, 2, 3, 3)));
    l.add(c(f, "rank-5 per-task weights stride 1 pad 1", xs -> Ops.conv2d(xs.get(0), xs.get(1), 1, 1),
        u(2, 2, 1, 4, 4), u(2, 2, 1, 3, 3)));
    l.add(c(f, "rank-5 per-task weights stride 2 pad 0 odd", xs -> Ops.conv2d(xs.get(0), xs.get(1), 2, 0),
        u(2, 1, 2, 5, 5), u(2, 2, 2, 2, 2)));
    l.add(c(f, "rank-5 input, shared rank-4 weights", xs -> Ops.conv2d(xs.get(0), xs.get(1), 1, 1),
        u(2, 2, 1, 4, 4), u(2, 1, 3, 3)));
    l.add(c(f, "two layers with tanh (conv of conv)",
        xs -> Ops.conv2d(Ops.tanh(Ops.conv2d(xs.get(0), xs.get(1), 1, 1)), xs.get(2), 1, 0),
        u(1, 2, 4, 4), u(2, 2, 3, 3), u(2, 2, 3, 3)));
  }

  private static void pooling(List<Case> l) {
    String f = "maxPool2x2";
    l.add(c(f, "rank 4 even 4x4", xs -> Ops.maxPool2x2(x0(xs)), dist(2, 2, 4, 4)));
    l.add(c(f, "rank 4 odd 5x3", xs -> Ops.maxPool2x2(x0(xs)), dist(1, 2, 5, 3)));
    l.add(c(f, "rank 5 even 4x4", xs -> Ops.maxPool2x2(x0(xs)), dist(2, 1, 2, 4, 4)));
    l.add(c(f, "rank 5 odd 5x5", xs -> Ops.maxPool2x2(x0(xs)), dist(2, 1, 1, 5, 5)));
  }

  private static void normalisation(List<Case> l) {
    String f = "batchNorm";
    l.add(c(f, "NCHW over (0,2,3)", xs -> Ops.batchNorm(xs.get(0), xs.get(1), xs.get(2), 1e-5, 0, 2, 3),
        u(4, 3, 2, 2), away(1, 3, 1, 1), u(1, 3, 1, 1)));
    l.add(c(f, "task axis [T,N,C,H,W] over (1,3,4), per-task gamma/beta",
        xs -> Ops.batchNorm(xs.get(0), xs.get(1), xs.get(2), 1e-5, 1, 3, 4),
        u(2, 3, 2, 2, 2), away(2, 1, 2, 1, 1), u(2, 1, 2, 1, 1)));
    l.add(c(f, "features [N,D] over 0, gamma [D]", xs -> Ops.batchNorm(xs.get(0), xs.get(1), xs.get(2), 1e-5, 0),
        u(5, 3), away(3), u(3)));
  }

  private static void distances(List<Case> l) {
    String f = "distances";
    l.add(c(f, "squaredDistances 2-D", xs -> Ops.squaredDistances(xs.get(0), xs.get(1)), u(3, 4), u(5, 4)));
    l.add(c(f, "squaredDistances batched 3-D", xs -> Ops.squaredDistances(xs.get(0), xs.get(1)),
        u(2, 3, 4), u(2, 5, 4)));
    l.add(c(f, "cosineSimilarity 2-D", xs -> Ops.cosineSimilarity(xs.get(0), xs.get(1), 1e-8), u(3, 4), u(5, 4)));
    l.add(c(f, "cosineSimilarity batched 3-D", xs -> Ops.cosineSimilarity(xs.get(0), xs.get(1), 1e-8),
        u(2, 3, 4), u(2, 5, 4)));
  }
}
