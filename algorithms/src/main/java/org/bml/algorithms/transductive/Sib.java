package org.bml.algorithms.transductive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.ProtoNet;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Noise;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.ParamNames;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SIB, synthetic information bottleneck (Hu, Moreno, Xiao, Shen, Obozinski, Lawrence &amp;
 * Damianou, ICLR 2020, "Empirical Bayes Transductive Meta-Learning with Synthetic Gradients",
 * arXiv:2004.12696). The task posterior over the weights W̃ {@code [C, D+1]} of a linear
 * classifier on embedded inputs z̃ = [φ(x), 1] is a Gaussian q(W̃) = N(λ, σ² I):
 * <pre>
 *   λ₀ = [2 c_k, −‖c_k‖²]_k            (c_k the class means of the embedded support set)
 *   λ_{j+1} = λ_j − η · (1/Q) Σ_q J_qᵀ ξ(softmax(λ_j z̃_q))     j = 0 … K−1, over the query inputs only
 *   W̃ = λ_K + σ ε,  ε ~ N(0, I)
 * </pre>
 * where ξ is the synthetic-gradient network (an MLP C → hidden → C, as in the authors' code it
 * reads the query's softmax scores and returns their gradient, which is back-propagated through the
 * softmax and the logits to λ: J_q is that Jacobian, written out in closed form so the refinement
 * stays on the tape to any order). No query label is used by the refinement: it is transductive
 * in the query inputs. λ₀ is the prototype classifier (Snell et al. 2017, §2.4: prototypical
 * networks are this linear model), so with K = 0 SIB is exactly its base classifier, a
 * {@link ProtoNet} with τ = 1 (same softmax). The meta-loss is the query cross-entropy under S
 * reparameterised draws of W̃ (the mean λ_K when S = 0), learned with respect to the embedding,
 * ξ and log σ.
 *
 * <p>Differences from the paper: the refinement is of the mean only (σ is a meta-learned scalar,
 * not refined per task); the paper's WRN-28-10 features pre-trained by a cosine classifier are
 * replaced by the embedding trained end to end; ξ's output layer starts at zero, so training
 * starts at the base classifier.
 *
 * <p>{@link #adapt} returns the meta-parameters plus λ₀ ({@value #INITIAL_WEIGHTS}); the refinement
 * happens in {@link #predict} on the inputs it is given (a task's query points), so {@code steps}
 * is ignored (K is the constructor's). {@link #hypotheses} add seeded noise ε ({@value #NOISE}),
 * one draw of W̃ each, so predictive distributions are mixtures over posterior samples.
 */
public final class Sib implements MetaLearner {
  /** Prefix of the synthetic-gradient network's parameters. */
  public static final String SYNTHETIC_GRADIENT = "sib" + ParamNames.SEPARATOR + "sg" + ParamNames.SEPARATOR;
  /** log σ of the posterior, a scalar {@code [1]}. */
  public static final String LOG_STD = "sib" + ParamNames.SEPARATOR + "log_std";
  /** λ₀ {@code [T, C, D+1]} in adapted parameters. */
  public static final String INITIAL_WEIGHTS = "sib" + ParamNames.SEPARATOR + "weights0";
  /** ε {@code [T, C, D+1]} of a sampled hypothesis (absent: the posterior mean). */
  public static final String NOISE = "sib" + ParamNames.SEPARATOR + "noise";

  private final Model embedding;
  private final ProtoNet base;
  private final Mlp syntheticGradient;
  private final int ways;
  private final int steps;
  private final double stepSize;
  private final double initialStd;
  private final int samples;

  /**
   * @param embedding φ, any model mapping {@code [T, n, ...]} to {@code [T, n, D]}
   * @param ways C, the classes per task (ξ's input and output width)
   * @param syntheticSteps K ≥ 0 refinement steps
   * @param stepSize η &gt; 0 of the refinement
   * @param hidden ξ's hidden width (≥ 1)
   * @param initialStd initial σ &gt; 0 of the posterior
   * @param samples S ≥ 0 draws of W̃ in the meta-loss (0: the mean)
   */
  public Sib(Model embedding, int ways, int syntheticSteps, double stepSize, int hidden, double initialStd,
      int samples) {
    this.embedding = Hyper.nonNull("Sib", "embedding model", embedding);
    this.ways = Hyper.atLeast("Sib", "ways", ways, 2);
    this.steps = Hyper.atLeast("Sib", "synthetic-gradient steps", syntheticSteps, 0);
    this.stepSize = Hyper.positive("Sib", "synthetic-gradient step size", stepSize);
    Hyper.positiveCount("Sib", "synthetic-gradient hidden width", hidden);
    this.initialStd = Hyper.positive("Sib", "initial posterior std", initialStd);
    this.samples = Hyper.atLeast("Sib", "posterior samples", samples, 0);
    Hyper.reserved("Sib", embedding, LOG_STD, INITIAL_WEIGHTS, NOISE, ProtoNet.PROTOTYPES);
    for (String n : embedding.parameterShapes().keySet()) {
      if (n.startsWith(SYNTHETIC_GRADIENT)) {
        throw new IllegalArgumentException("Sib: embedding parameter '" + n + "' uses the reserved prefix "
            + SYNTHETIC_GRADIENT);
      }
    }
    this.base = new ProtoNet(embedding, 1.0);
    this.syntheticGradient = new Mlp(Activation.RELU, ways, hidden, ways);
  }

  public Model embedding() {
    return embedding;
  }

  /** The base classifier: what SIB is with K = 0. */
  public ProtoNet base() {
    return base;
  }

  public int syntheticSteps() {
    return steps;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    embedding.init(seed, dtype).entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    Params sg = syntheticGradient.init(new SplittableRandom(seed).split().nextLong(), dtype);
    int last = syntheticGradient.layers() - 1;
    for (String n : sg.names()) {
      Tensor v = sg.get(n);
      boolean output = n.equals(Mlp.weight(last)) || n.equals(Mlp.biasName(last));
      // ξ starts at zero: meta-training starts at the base classifier.
      m.put(SYNTHETIC_GRADIENT + n, output ? Tensor.variable(Nd4j.zeros(dtype, v.shape()), SYNTHETIC_GRADIENT + n) : v);
    }
    m.put(LOG_STD, Tensor.variable(Nd4j.createFromArray(new double[] {Math.log(initialStd)}).castTo(dtype), LOG_STD));
    return Params.of(m);
  }

  /** λ₀ = [2 c_k, −‖c_k‖²] {@code [T, C, D+1]}: the prototype classifier of the support set. */
  public Tensor initialWeights(Params meta, Data support) {
    if (support.y().rank() != 3 || support.y().size(2) != ways) {
      throw new IllegalArgumentException("Sib: support labels must be one-hot [T, n, " + ways + "], got "
          + Arrays.toString(support.y().shape()));
    }
    Tensor c = base.prototypes(meta, support);
    return Ops.concat(2, List.of(Ops.mulScalar(c, 2.0), Ops.neg(Ops.sum(Ops.square(c), true, -1))));
  }

  /** z̃ = [φ(x), 1] {@code [T, n, D+1]}. */
  Tensor features(Params params, Tensor x) {
    Tensor z = embedding.forward(params.subset(embedding.parameterShapes().keySet()), x);
    if (z.rank() != 3 || z.size(0) != x.size(0) || z.size(1) != x.size(1)) {
      throw new IllegalArgumentException("Sib: the embedding must map [T, n, ...] to [T, n, D], got "
          + Arrays.toString(z.shape()) + " for input " + Arrays.toString(x.shape()));
    }
    Tensor ones = Tensor.constant(Nd4j.ones(z.dtype(), z.size(0), z.size(1), 1));
    return Ops.concat(2, List.of(z, ones));
  }

  /** K synthetic-gradient steps from λ₀ on query features z̃ {@code [T, Q, D+1]} (no labels). */
  public Tensor refine(Params meta, Tensor weights0, Tensor queryFeatures) {
    Params xi = part(meta, SYNTHETIC_GRADIENT);
    Tensor w = weights0;
    double scale = stepSize / queryFeatures.size(1);
    for (int j = 0; j < steps; j++) {
      Tensor p = Ops.softmax(Ops.matmul(queryFeatures, w, false, true), -1);
      Tensor g = syntheticGradient.forward(xi, p);
      // Back through the softmax: Jᵀg = p ∘ (g − ⟨g, p⟩).
      Tensor gLogits = Ops.mul(p, Ops.sub(g, Ops.sum(Ops.mul(g, p), true, -1)));
      w = Ops.addScaled(w, Ops.matmul(gLogits, queryFeatures, true, false), -scale);
    }
    return w;
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    Tensor w0 = initialWeights(meta, support);
    Tensor f = features(meta, query.x());
    Tensor w = refine(meta, w0, f);
    if (samples == 0) {
      return Ops.mean(crossEntropy(Ops.matmul(f, w, false, true), query.y()), false);
    }
    Tensor sigma = Ops.exp(meta.get(LOG_STD));
    List<Tensor> losses = new ArrayList<>();
    for (int s = 0; s < samples; s++) {
      Tensor ws = Ops.add(w, Ops.mul(sigma, Noise.standardNormal(drawSeed(seed, s), w.dtype(), w.shape())));
      losses.add(Ops.mean(crossEntropy(Ops.matmul(f, ws, false, true), query.y()), false));
    }
    Tensor sum = losses.get(0);
    for (int s = 1; s < samples; s++) {
      sum = Ops.add(sum, losses.get(s));
    }
    return Ops.mulScalar(sum, 1.0 / samples);
  }

  /** The meta-parameters plus λ₀; the refinement runs in {@link #predict} (steps: ignored). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("Sib", "adaptation steps", steps, 0);
    return meta.with(INITIAL_WEIGHTS, initialWeights(meta, support));
  }

  /** k draws W̃ = λ_K + σ ε, ε seeded (draw i from its own stream), so distinct and reproducible. */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("Sib.hypotheses", "k", k);
    Params adapted = adapt(meta, support, steps);
    Tensor w0 = adapted.get(INITIAL_WEIGHTS);
    List<Params> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      out.add(adapted.with(NOISE, Noise.standardNormal(drawSeed(seed, i), w0.dtype(), w0.shape())));
    }
    return out;
  }

  /** Logits {@code [T, n, C]}: refined on these inputs x (transductive), then a posterior draw or the mean. */
  @Override
  public Tensor predict(Params adapted, Tensor x) {
    if (!adapted.has(INITIAL_WEIGHTS)) {
      throw new IllegalArgumentException("Sib.predict: parameters lack " + INITIAL_WEIGHTS + " (pass adapt's result,"
          + " not the meta-parameters)");
    }
    Tensor w0 = adapted.get(INITIAL_WEIGHTS);
    if (x.rank() < 2 || x.size(0) != w0.size(0)) {
      throw new IllegalArgumentException("Sib.predict: inputs " + Arrays.toString(x.shape())
          + " must have the adapted task axis " + w0.size(0));
    }
    Tensor f = features(adapted, x);
    Tensor w = refine(adapted, w0, f);
    if (adapted.has(NOISE)) {
      w = Ops.add(w, Ops.mul(Ops.exp(adapted.get(LOG_STD)), adapted.get(NOISE)));
    }
    return Ops.matmul(f, w, false, true);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return crossEntropy(predict(adapted, data.x()), data.y());
  }

  private static Tensor crossEntropy(Tensor logits, Tensor y) {
    return Ops.mean(Ops.softmaxCrossEntropy(logits, y, -1), false, 1);
  }

  private static long drawSeed(long seed, int i) {
    return seed * 1000003L + i;
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
