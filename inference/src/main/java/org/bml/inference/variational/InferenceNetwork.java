package org.bml.inference.variational;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.ParamLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Amortized variational inference by an inference network: q(φ_S | D, θ) = N(μ, diag σ²) with
 *
 * <pre>  r = (1/n) Σ_i h([x_i, y_i]),   [Δ, s] = ρ(r),   μ = θ_S + Δ,   log σ = s + c,</pre>
 *
 * a permutation-invariant set encoder (Deep Sets, Zaheer et al. 2017; the amortization of VERSA,
 * Gordon, Bronskill, Bauer, Nowozin &amp; Turner, ICLR 2019, and of neural processes, Garnelo et al.
 * 2018) with two {@link Mlp}s, the point encoder h and the decoder ρ, in place of gradient steps
 * (compare {@link AmortizedGaussian}). The network predicts each task's offset Δ from θ_S, so θ stays
 * the prior mean and a zero output gives N(θ_S, e^{2c}); c is a fixed offset of log σ.
 *
 * <p>Which parameters: φ_S, the <em>amortized</em> subset of the model's parameters (all of them for
 * a small model, or e.g. the head), has a per-task Gaussian; every other model parameter is taken
 * from θ, the same for every task, and appears in the posterior as a <em>fixed</em> parameter
 * ({@link DiagonalGaussianPosterior#fixed()}): in its mode and samples, not in its entropy or KL. An
 * ELBO therefore takes a prior over φ_S only, e.g. {@code new GaussianPrior(net.amortizedMean(θ),
 * logVar)}, and its gradient trains θ's fixed part through the likelihood.
 *
 * <p>Meta-parameters: θ holds the model's parameters and the network's weights, whose names carry
 * the prefix {@value #PREFIX} ({@code infnet.encoder.layer0.weight}, …, {@code
 * infnet.decoder.…}), made by {@link #initialize}. {@link #infer} reads both from θ, so the posterior
 * is differentiable (to any order) with respect to the network's weights and θ_S. The support set's
 * inputs and targets are flattened per point and concatenated: the encoder's input width must be
 * their total width. The loss given to {@link #infer} is not used (no optimisation happens).
 */
public final class InferenceNetwork implements InferenceStrategy {
  /** The name prefix of the network's weights in θ. */
  public static final String PREFIX = org.bml.core.model.ParamNames.INFERENCE_NETWORK;
  private static final String ENCODER = PREFIX + org.bml.core.model.ParamNames.ENCODER;
  private static final String DECODER = PREFIX + org.bml.core.model.ParamNames.DECODER;

  private final List<String> modelNames;
  private final ParamLayout amortized;
  private final Mlp encoder;
  private final Mlp decoder;
  private final double logStdOffset;

  /**
   * @param model the model whose parameters φ are inferred (names and shapes; none may start with
   *     {@value #PREFIX})
   * @param amortized the names of φ_S, given a Gaussian per task (null or empty: all of the model's)
   * @param encoder h: [x_i, y_i] (flattened) → r
   * @param decoder ρ: r → [Δ, s], its output width 2 P_S (P_S the scalars of φ_S)
   * @param logStdOffset c, added to log σ (e.g. −2 to start near σ = e^{−2}); finite
   * @throws IllegalArgumentException naming the bad value: unknown or duplicate names, an encoder
   *     output that does not match the decoder input, or a decoder output that is not 2 P_S
   */
  public InferenceNetwork(Model model, Collection<String> amortized, Mlp encoder, Mlp decoder, double logStdOffset) {
    if (model == null || encoder == null || decoder == null) {
      throw new IllegalArgumentException("InferenceNetwork: model, encoder and decoder must be given");
    }
    if (!Double.isFinite(logStdOffset)) {
      throw new IllegalArgumentException("InferenceNetwork: the log σ offset must be finite, got " + logStdOffset);
    }
    LinkedHashMap<String, long[]> shapes = model.parameterShapes();
    for (String n : shapes.keySet()) {
      if (n.startsWith(PREFIX)) {
        throw new IllegalArgumentException("InferenceNetwork: model parameter '" + n + "' uses the network's prefix '"
            + PREFIX + "'");
      }
    }
    LinkedHashSet<String> chosen = new LinkedHashSet<>();
    if (amortized != null) {
      for (String n : amortized) {
        if (!shapes.containsKey(n)) {
          throw new IllegalArgumentException("InferenceNetwork: the model has no parameter '" + n + "' to amortize (has "
              + shapes.keySet() + ")");
        }
        if (!chosen.add(n)) {
          throw new IllegalArgumentException("InferenceNetwork: parameter '" + n + "' is listed twice");
        }
      }
    }
    LinkedHashMap<String, long[]> subset = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) { // the model's order
      if (chosen.isEmpty() || chosen.contains(e.getKey())) {
        subset.put(e.getKey(), e.getValue());
      }
    }
    this.modelNames = new ArrayList<>(shapes.keySet());
    this.amortized = ParamLayout.of(subset);
    int[] we = encoder.widths();
    int[] wd = decoder.widths();
    if (we[we.length - 1] != wd[0]) {
      throw new IllegalArgumentException("InferenceNetwork: the encoder outputs " + we[we.length - 1]
          + " summary features but the decoder takes " + wd[0]);
    }
    int p = this.amortized.size();
    if (wd[wd.length - 1] != 2L * p) {
      throw new IllegalArgumentException("InferenceNetwork: the decoder outputs " + wd[wd.length - 1]
          + " values per task but φ's amortized part " + subset.keySet() + " has P = " + p
          + " scalars, so it needs 2P = " + 2L * p + " (μ and log σ for each)");
    }
    this.encoder = encoder;
    this.decoder = decoder;
    this.logStdOffset = logStdOffset;
  }

  /**
   * h and ρ as tanh MLPs with one hidden layer each: h = Mlp(pointWidth, hidden, summary), ρ =
   * Mlp(summary, hidden, 2 P_S); log σ offset c.
   *
   * @param pointWidth the flattened width of one support point, x's and y's together
   */
  public static InferenceNetwork deepSets(Model model, Collection<String> amortized, int pointWidth, int hidden,
      int summary, double logStdOffset) {
    if (model == null) {
      throw new IllegalArgumentException("InferenceNetwork: a model must be given");
    }
    LinkedHashMap<String, long[]> shapes = model.parameterShapes();
    if (amortized != null && !shapes.keySet().containsAll(amortized)) {
      List<String> unknown = new ArrayList<>(amortized);
      unknown.removeAll(shapes.keySet());
      throw new IllegalArgumentException("InferenceNetwork: the model has no parameter " + unknown + " to amortize (has "
          + shapes.keySet() + ")");
    }
    long p = 0;
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      if (amortized == null || amortized.isEmpty() || amortized.contains(e.getKey())) {
        p += Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      }
    }
    return new InferenceNetwork(model, amortized, new Mlp(Activation.TANH, pointWidth, hidden, summary),
        new Mlp(Activation.TANH, summary, hidden, Math.toIntExact(2 * p)), logStdOffset);
  }

  /** The amortized parameters' names (the model's order). */
  public List<String> amortized() {
    return amortized.names();
  }

  /** P_S, the number of scalars given a Gaussian per task. */
  public int dimension() {
    return amortized.size();
  }

  public Mlp encoder() {
    return encoder;
  }

  public Mlp decoder() {
    return decoder;
  }

  public double logStdOffset() {
    return logStdOffset;
  }

  /**
   * The network's initial weights, named with {@value #PREFIX}, as variables: add them to the
   * model's θ ({@code θ.withAll(net.initialize(seed, dtype))}). The decoder's last layer starts at
   * zero, so the first posterior is N(θ_S, e^{2c}) for every task (seeded PyTorch-style elsewhere).
   */
  public Params initialize(long seed, DataType dtype) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    encoder.init(seed, dtype).entries().forEach(e -> m.put(ENCODER + e.getKey(), e.getValue()));
    int last = decoder.layers() - 1;
    decoder.init(seed + 1, dtype).entries().forEach(e -> {
      boolean zero = e.getKey().equals(Mlp.weight(last)) || e.getKey().equals(Mlp.biasName(last));
      Tensor t = zero ? Tensor.variable(Nd4j.zeros(dtype, e.getValue().shape()), DECODER + e.getKey()) : e.getValue();
      m.put(DECODER + e.getKey(), t);
    });
    return Params.of(m);
  }

  /** The network's weights in θ (names with the prefix). */
  public Params networkParams(Params theta) {
    List<String> names = new ArrayList<>();
    for (String n : theta.names()) {
      if (n.startsWith(PREFIX)) {
        names.add(n);
      }
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("InferenceNetwork: θ has no '" + PREFIX + "' weights (have " + theta.names()
          + "); add initialize(seed, dtype) to θ");
    }
    return theta.subset(names);
  }

  /** The model's parameters in θ (all but the network's weights). */
  public Params modelParams(Params theta) {
    List<String> names = new ArrayList<>();
    for (String n : theta.names()) {
      if (!n.startsWith(PREFIX)) {
        names.add(n);
      }
    }
    return theta.subset(names);
  }

  /** θ_S: the prior mean of the amortized parameters (no task axis), for the ELBO's prior. */
  public Params amortizedMean(Params theta) {
    return theta.subset(amortized.names());
  }

  /** N(θ_S + Δ(D), diag e^{2 (s(D) + c)}) per task, the other model parameters fixed at θ's values. */
  @Override
  public DiagonalGaussianPosterior infer(Params theta, Data support, Likelihood loss) {
    if (theta == null || support == null) {
      throw new IllegalArgumentException("InferenceNetwork: θ and the support set must be given");
    }
    Params model = modelParams(theta);
    if (!new LinkedHashSet<>(model.names()).equals(new LinkedHashSet<>(modelNames))) {
      throw new IllegalArgumentException("InferenceNetwork: θ's model parameters " + model.names()
          + " are not the model's " + modelNames);
    }
    Params enc = strip(theta, ENCODER, encoder);
    Params dec = strip(theta, DECODER, decoder);
    long t = support.tasks();
    long n = support.points();
    Tensor x = Ops.reshape(support.x(), t, n, -1);
    Tensor y = Ops.reshape(support.y(), t, n, -1);
    if (x.dtype() != y.dtype()) {
      throw new IllegalArgumentException("InferenceNetwork: inputs are " + x.dtype() + " but targets " + y.dtype());
    }
    long width = x.size(2) + y.size(2);
    if (width != encoder.widths()[0]) {
      throw new IllegalArgumentException("InferenceNetwork: a support point has " + x.size(2) + " input and "
          + y.size(2) + " target features (" + width + " together) but the encoder takes " + encoder.widths()[0]);
    }
    Tensor points = Ops.concat(2, List.of(x, y));
    // Mean pooling over the points: invariant to their order and to the support size's scale.
    Tensor summary = Ops.mean(encoder.forward(enc, points), true, 1);
    Tensor out = Ops.reshape(decoder.forward(dec, summary), t, 2L * amortized.size());
    int p = amortized.size();
    Params delta = amortized.unflatten(Ops.slice(out, 1, 0, p));
    Params logStd = amortized.unflatten(Ops.addScalar(Ops.slice(out, 1, p, 2L * p), logStdOffset));
    Params prior = amortizedMean(model);
    for (String name : amortized.names()) {
      long[] want = amortized.shape(name);
      if (!Arrays.equals(prior.get(name).shape(), want)) {
        throw new IllegalArgumentException("InferenceNetwork: θ's '" + name + "' has shape "
            + Arrays.toString(prior.get(name).shape()) + " but the model declares " + Arrays.toString(want));
      }
    }
    Params mean = delta.mapNamed((name, d) -> Ops.add(Ops.expand(prior.get(name), t), d));
    List<String> rest = new ArrayList<>(model.names());
    rest.removeAll(amortized.names());
    Params fixed = rest.isEmpty() ? null : model.subset(rest).expand(t);
    return new DiagonalGaussianPosterior(mean, logStd, fixed);
  }

  // One MLP's weights from θ without their prefix, checked against the MLP's declared shapes.
  private static Params strip(Params theta, String prefix, Mlp mlp) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : mlp.parameterShapes().entrySet()) {
      String name = prefix + e.getKey();
      if (!theta.has(name)) {
        throw new IllegalArgumentException("InferenceNetwork: θ has no '" + name + "'; add initialize(seed, dtype) to θ");
      }
      Tensor w = theta.get(name);
      if (!Arrays.equals(w.shape(), e.getValue())) {
        throw new IllegalArgumentException("InferenceNetwork: θ's '" + name + "' has shape " + Arrays.toString(w.shape())
            + " but the network needs " + Arrays.toString(e.getValue()));
      }
      m.put(e.getKey(), w);
    }
    return Params.of(m);
  }

  @Override
  public String toString() {
    return "InferenceNetwork(h=" + Arrays.toString(encoder.widths()) + ", ρ=" + Arrays.toString(decoder.widths())
        + ", amortized=" + amortized.names() + ", c=" + logStdOffset + ")";
  }
}
