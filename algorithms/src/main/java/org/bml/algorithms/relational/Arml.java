package org.bml.algorithms.relational;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.ParamNames;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PointMass;
import org.bml.inference.TruncatedGradientDescent;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ARML, automated relational meta-learning (Yao, Wu, Tao, Li, Ding, Li &amp; Li, ICLR 2020,
 * "Automated Relational Meta-Learning", arXiv:2001.00745), for regression. Per task:
 * <pre>
 *   c_i = h([x_i, y_i])                         prototypes: the embedded support points (vertices of the task's graph)
 *   A_ij = softmax_j(−‖c_i − g_j‖² / 2)          edges to the meta-knowledge graph's learned vertices g_1..g_M
 *   ĉ_i = Σ_j A_ij g_j                           the knowledge each prototype retrieves
 *   r = [mean_i c_i, mean_i ĉ_i]                 task representation
 *   θ_task = σ(W r + b) ∘ θ₀                     the modulated initialisation (per parameter entry)
 *   φ = K steps of MAML's inner loop from θ_task; loss = query loss at φ
 * </pre>
 * The inner loop is the inference layer's {@link TruncatedGradientDescent} started at θ_task
 * ({@link TruncatedGradientDescent#adaptFrom}), exactly MAML's; only the start differs. With the
 * gate pinned to 1 (W = 0, b large enough that σ(b) rounds to 1) ARML is MAML, bit for bit.
 *
 * <p>Differences from the paper: the task's relational graph has the support points as vertices
 * (regression has no classes; the paper uses class prototypes) and is not passed through its own
 * GNN; the super-graph aggregation is one attention step; the two autoencoder reconstruction
 * losses are not used.
 *
 * <p>Meta-parameters: θ₀ under the model's names, the sample encoder h under {@value #ENCODER},
 * the vertices {@value #VERTICES} {@code [M, h]}, and per model parameter p the gate's
 * {@value #GATE_WEIGHT}p {@code [2h, |p|]} and {@value #GATE_BIAS}p {@code [|p|]}. {@link #adapt}
 * returns the per-task adapted model parameters only.
 */
public final class Arml extends InnerLoopLearner {
  public static final String ENCODER = "arml" + ParamNames.SEPARATOR + "encoder" + ParamNames.SEPARATOR;
  public static final String VERTICES = "arml" + ParamNames.SEPARATOR + "vertices";
  public static final String GATE_WEIGHT = "arml" + ParamNames.SEPARATOR + "gate_weight" + ParamNames.SEPARATOR;
  public static final String GATE_BIAS = "arml" + ParamNames.SEPARATOR + "gate_bias" + ParamNames.SEPARATOR;

  private final MetaObjective objective = MetaObjective.queryLossAtMode();
  private final Mlp encoder;
  private final int inputDim;
  private final int vertices;
  private final int width;
  private final double gateBias;

  /**
   * @param model the regression model {@code [T, n, d] → [T, n, 1]}
   * @param inputDim d
   * @param width h, the prototype and vertex width (≥ 1)
   * @param vertices M ≥ 1 meta-knowledge vertices
   * @param gateBias initial b of every gate entry (finite; σ(b) is the initial gate)
   */
  public Arml(Model model, Likelihood likelihood, TruncatedGradientDescent inner, int inputDim, int width,
      int vertices, double gateBias) {
    super("Arml", model, likelihood, inner);
    this.inputDim = Hyper.positiveCount("Arml", "input dimension", inputDim);
    this.width = Hyper.positiveCount("Arml", "prototype width", width);
    this.vertices = Hyper.positiveCount("Arml", "meta-knowledge vertices", vertices);
    if (!Double.isFinite(gateBias)) {
      throw new IllegalArgumentException("Arml: initial gate bias must be finite, got " + gateBias);
    }
    this.gateBias = gateBias;
    for (String n : model.parameterShapes().keySet()) {
      if (n.startsWith("arml" + ParamNames.SEPARATOR)) {
        throw new IllegalArgumentException("Arml: model parameter '" + n + "' uses the reserved prefix arml.");
      }
    }
    this.encoder = new Mlp(Activation.RELU, inputDim + 1, width, width);
  }

  public Arml(Model model, Likelihood likelihood, int innerSteps, double innerStepSize, GradientOrder order,
      int inputDim, int width, int vertices, double gateBias) {
    this(model, likelihood, new TruncatedGradientDescent(innerSteps, innerStepSize, order), inputDim, width, vertices,
        gateBias);
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, Tensor> m = new LinkedHashMap<>();
    model.init(seed, dtype).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    encoder.init(rng.split().nextLong(), dtype).entries().forEach(e -> m.put(ENCODER + e.getKey(), e.getValue()));
    m.put(VERTICES, Tensor.variable(uniform(rng, 1.0, dtype, vertices, width), VERTICES));
    double bound = 1.0 / Math.sqrt(2.0 * width);
    for (Map.Entry<String, long[]> e : model.parameterShapes().entrySet()) {
      long n = numel(e.getValue());
      String w = GATE_WEIGHT + e.getKey();
      String b = GATE_BIAS + e.getKey();
      m.put(w, Tensor.variable(uniform(rng, bound, dtype, 2L * width, n), w));
      m.put(b, Tensor.variable(Nd4j.valueArrayOf(new long[] {n}, gateBias).castTo(dtype), b));
    }
    return Params.of(m);
  }

  /** The task representation r = [mean c, mean ĉ] {@code [T, 2h]} of a support set. */
  public Tensor taskRepresentation(Params meta, Data support) {
    Tensor x = support.x();
    Tensor y = support.y();
    if (x.rank() != 3 || x.size(2) != inputDim || y.rank() != 3 || y.size(2) != 1 || y.size(1) != x.size(1)) {
      throw new IllegalArgumentException("Arml: support must be x [T, n, " + inputDim + "] and y [T, n, 1], got "
          + Arrays.toString(x.shape()) + " and " + Arrays.toString(y.shape()));
    }
    Tensor c = encoder.forward(part(meta, ENCODER), Ops.concat(2, List.of(x, y)));
    Tensor g = Ops.expand(meta.get(VERTICES), x.size(0));
    Tensor a = Ops.softmax(Ops.mulScalar(Ops.squaredDistances(c, g), -0.5), -1);
    Tensor retrieved = Ops.matmul(a, g);
    return Ops.concat(1, List.of(Ops.mean(c, false, 1), Ops.mean(retrieved, false, 1)));
  }

  /** θ_task = σ(W r + b) ∘ θ₀ per parameter, with a leading task axis. */
  public Params modulatedInitialisation(Params meta, Data support) {
    Tensor r = taskRepresentation(meta, support);
    long t = r.size(0);
    Tensor r3 = Ops.reshape(r, t, 1, r.size(1));
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : model.parameterShapes().entrySet()) {
      String n = e.getKey();
      Tensor gate = Ops.sigmoid(Ops.linear(r3, meta.get(GATE_WEIGHT + n), meta.get(GATE_BIAS + n)));
      long[] shape = new long[e.getValue().length + 1];
      shape[0] = t;
      System.arraycopy(e.getValue(), 0, shape, 1, e.getValue().length);
      out.put(n, Ops.mul(Ops.reshape(gate, shape), meta.get(n)));
    }
    return Params.of(out);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return objective.loss(new PointMass(adapt(meta, support, inner.steps())), query, likelihood);
  }

  /** {@code steps} of MAML's inner loop from the modulated initialisation. */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("Arml", "adaptation steps", steps, 0);
    return inner.adaptFrom(modulatedInitialisation(meta, support), support, likelihood, steps);
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  private static org.nd4j.linalg.api.ndarray.INDArray uniform(SplittableRandom rng, double bound, DataType dtype,
      long... shape) {
    double[] v = new double[Math.toIntExact(numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = bound * (2 * rng.nextDouble() - 1);
    }
    return Nd4j.createFromArray(v).reshape(shape).castTo(dtype);
  }

  private static Params part(Params p, String prefix) {
    List<String> names = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    for (String n : p.names()) {
      if (n.startsWith(prefix)) {
        names.add(n.substring(prefix.length()));
        values.add(p.get(n));
      }
    }
    return Params.of(names, values);
  }
}
