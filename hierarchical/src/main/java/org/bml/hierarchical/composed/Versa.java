package org.bml.hierarchical.composed;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.MetaLearner;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.core.model.Prefixed;
import org.bml.inference.Data;
import org.bml.inference.variational.DiagonalGaussianPosterior;
import org.bml.inference.variational.InferenceNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * VERSA (Gordon, Bronskill, Bauer, Nowozin &amp; Turner, ICLR 2019, "Meta-Learning Probabilistic
 * Inference for Prediction", arXiv:1805.09921): a shared feature extractor f_θ (the body, meta-learned)
 * and a linear head ψ whose per-task posterior q(ψ | D) = N(μ(D), diag σ²(D)) is amortized by a
 * permutation-invariant set encoder over the support set's (feature, target) pairs
 * ({@link InferenceNetwork}): one forward pass, no inner gradient steps at test time. Trained by
 * ML-PIP, the paper's objective, the predictive log-likelihood of the query set under L samples:
 *
 * <pre>  loss = − mean_τ mean_{(x,y) ∈ query} log (1/L) Σ_l p(y | f_θ(x), ψ_l),   ψ_l ~ q(ψ | D_support)</pre>
 *
 * (a log-sum-exp over the samples, reparameterised, seeded). The likelihood is categorical for
 * classification and Gaussian with a fixed noise σ for regression.
 *
 * <p>Classification amortizes the head per class, as the paper does (§3, "context-independent
 * approximation"): the weight column and bias of class c come from h_c, the mean of the features of
 * class c's support examples only, through one MLP shared by all classes,
 *
 * <pre>  (μ_wc, μ_bc, log σ_wc, log σ_bc) = (h_c + d_w, d_b, s_w + c, s_b + c),   (d, s) = MLP(h_c),</pre>
 *
 * so relabelling the classes permutes the head's columns and the predictions with them (the skip
 * h_c starts the head as a prototype matcher). Meta-parameters: the body's under {@value #BODY} +
 * its names and the class MLP's under {@value #CLASS_NETWORK}. Regression uses the set encoder over
 * all support (feature, target) pairs ({@link InferenceNetwork}): the head's prior mean θ_ψ under
 * {@value #HEAD} + the head's names (the network predicts offsets from it) and the network's under
 * {@link InferenceNetwork#PREFIX}. Difference from the paper: the regression noise is fixed.
 */
public final class Versa implements MetaLearner {
  public static final String BODY = org.bml.core.model.ParamNames.BODY;
  public static final String HEAD = org.bml.core.model.ParamNames.HEAD;
  /** Prefix of the per-class amortization MLP (classification). */
  public static final String CLASS_NETWORK = InferenceNetwork.PREFIX + "class" + org.bml.core.model.ParamNames.SEPARATOR;

  /** The likelihood of the head's outputs. */
  public enum Output { REGRESSION, CLASSIFICATION }

  private final Prefixed body;
  private final boolean activateFeatures;
  private final Prefixed head;
  private final InferenceNetwork network;
  private final Prefixed classNetwork;
  private final int features;
  private final double logStdOffset;
  private final Output output;
  private final double noiseStd;
  private final int samples;

  /**
   * @param body the feature extractor f_θ: inputs to {@code features} values per point
   * @param activateFeatures whether a ReLU follows the body (an MLP body ends in a linear layer)
   * @param features the body's output width F
   * @param outputs the head's output width (classes, or 1 for scalar regression)
   * @param hidden hidden width of the set encoder's and decoder's MLPs (≥ 1)
   * @param summary width of the pooled summary (≥ 1)
   * @param logStdOffset c added to the network's log σ (finite; e.g. −3 for a narrow start)
   * @param output the likelihood
   * @param noiseStd σ &gt; 0 of the Gaussian likelihood (regression; ignored for classification)
   * @param samples L ≥ 1 head samples per task in the training objective
   */
  public Versa(Model body, boolean activateFeatures, int features, int outputs, int hidden, int summary,
      double logStdOffset, Output output, double noiseStd, int samples) {
    Hyper.nonNull("Versa", "body", body);
    Hyper.atLeast("Versa", "feature width", features, 1);
    Hyper.atLeast("Versa", "outputs", outputs, 1);
    Hyper.atLeast("Versa", "hidden width", hidden, 1);
    Hyper.atLeast("Versa", "summary width", summary, 1);
    this.output = Hyper.nonNull("Versa", "output", output);
    if (output == Output.REGRESSION) {
      Hyper.positive("Versa", "noise σ", noiseStd);
    }
    this.samples = Hyper.atLeast("Versa", "samples", samples, 1);
    this.body = new Prefixed(BODY, body);
    this.activateFeatures = activateFeatures;
    this.head = new Prefixed(HEAD, new Mlp(Activation.IDENTITY, features, outputs));
    this.features = features;
    this.logStdOffset = logStdOffset;
    boolean perClass = output == Output.CLASSIFICATION;
    this.network = perClass ? null
        : InferenceNetwork.deepSets(head, null, features + outputs, hidden, summary, logStdOffset);
    this.classNetwork = perClass
        ? new Prefixed(CLASS_NETWORK, new Mlp(Activation.RELU, features, hidden, hidden, 2 * (features + 1))) : null;
    this.noiseStd = noiseStd;
  }

  /** The set encoder over all support pairs (regression only). */
  public InferenceNetwork network() {
    if (network == null) {
      throw new IllegalStateException("Versa: classification amortizes the head per class; it has no set encoder");
    }
    return network;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Params b = body.init(seed, dtype);
    if (classNetwork != null) {
      return b.withAll(classNetwork.init(seed + 2, dtype));
    }
    return b.withAll(head.init(seed + 1, dtype)).withAll(network.initialize(seed + 2, dtype));
  }

  private Tensor features(Params meta, Tensor x) {
    Tensor f = body.forward(meta, x);
    return activateFeatures ? Ops.relu(f) : f;
  }

  /** q(ψ | support) per task: the network's amortized Gaussian over the head. */
  public DiagonalGaussianPosterior posterior(Params meta, Data support) {
    Tensor f = features(meta, support.x());
    if (classNetwork != null) {
      return perClassPosterior(meta, f, support.y());
    }
    List<String> names = new ArrayList<>(head.parameterShapes().keySet());
    for (String n : meta.names()) {
      if (n.startsWith(InferenceNetwork.PREFIX)) {
        names.add(n);
      }
    }
    return network.infer(meta.subset(names), new Data(f, support.y()), null);
  }

  // Class means h = (Yᵀ F) / counts [T, C, F] (a class without support examples gets h = 0), then the
  // shared MLP row by row; the head's weight [T, F, C] is the transpose of the per-class rows.
  private DiagonalGaussianPosterior perClassPosterior(Params meta, Tensor f, Tensor y) {
    long tasks = y.size(0);
    long classes = y.size(2);
    if (classes != head.parameterShapes().values().iterator().next()[1]) {
      throw new IllegalArgumentException("Versa: support targets have " + classes + " classes, the head has "
          + head.parameterShapes().values().iterator().next()[1]);
    }
    org.nd4j.linalg.api.ndarray.INDArray counts = y.value().sum(1).reshape(tasks, classes, 1);
    counts = org.nd4j.linalg.ops.transforms.Transforms.max(counts, 1.0, true);
    Tensor h = Ops.div(Ops.matmul(y, f, true, false), Tensor.constant(counts.castTo(f.dtype())));
    Tensor out = classNetwork.forward(meta, h);
    int w = features;
    Tensor meanW = Ops.transpose(Ops.add(h, Ops.slice(out, 2, 0, w)), 1, 2);
    Tensor meanB = Ops.reshape(Ops.slice(out, 2, w, w + 1), tasks, classes);
    Tensor logStdW = Ops.addScalar(Ops.transpose(Ops.slice(out, 2, w + 1, 2L * w + 1), 1, 2), logStdOffset);
    Tensor logStdB = Ops.addScalar(Ops.reshape(Ops.slice(out, 2, 2L * w + 1, 2L * w + 2), tasks, classes),
        logStdOffset);
    List<String> names = new ArrayList<>(head.parameterShapes().keySet());
    return new DiagonalGaussianPosterior(Params.of(names, List.of(meanW, meanB)),
        Params.of(names, List.of(logStdW, logStdB)));
  }

  private Params withBody(Params meta, Params headParams) {
    return meta.subset(body.parameterShapes().keySet()).withAll(headParams);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    DiagonalGaussianPosterior q = posterior(meta, support);
    Tensor f = features(meta, query.x());
    List<Tensor> logp = new ArrayList<>();
    for (Params psi : q.sample(samples, seed)) {
      logp.add(pointLogLikelihood(head.forward(psi, f), query.y()));
    }
    // log (1/L) Σ_l p_l per query point, [T, m].
    Tensor predictive = Ops.addScalar(Ops.logSumExp(Ops.stack(0, logp), 0, false), -Math.log(samples));
    return Ops.neg(Ops.mean(predictive, false));
  }

  // log p(y | outputs) per point, [T, m].
  private Tensor pointLogLikelihood(Tensor out, Tensor y) {
    if (output == Output.CLASSIFICATION) {
      return Ops.sum(Ops.mul(Ops.logSoftmax(out, -1), y), false, 2);
    }
    double c = -0.5 * Math.log(2 * Math.PI * noiseStd * noiseStd) * out.size(2);
    return Ops.addScalar(Ops.mulScalar(Ops.sum(Ops.square(Ops.sub(out, y)), false, 2), -0.5 / (noiseStd * noiseStd)),
        c);
  }

  /** The body with each task's posterior-mean head; {@code steps} is ignored (no inner gradient steps). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return withBody(meta, posterior(meta, support).mode());
  }

  /** k heads drawn from each task's q, with the body. */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("Versa.hypotheses", "k", k);
    List<Params> out = new ArrayList<>();
    for (Params psi : posterior(meta, support).sample(k, seed)) {
      out.add(withBody(meta, psi));
    }
    return out;
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return head.forward(adapted, features(adapted, x));
  }

  /** Query MSE (regression) or cross-entropy (classification) at the given heads. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    Tensor out = predict(adapted, data.x());
    if (output == Output.CLASSIFICATION) {
      return Ops.mean(Ops.softmaxCrossEntropy(out, data.y(), -1), false, 1);
    }
    return Ops.mean(Ops.square(Ops.sub(out, data.y())), false, 1, 2);
  }

  @Override
  public String toString() {
    return "Versa(" + (network != null ? network : "per-class MLP "
        + java.util.Arrays.toString(((Mlp) classNetwork.inner()).widths())) + ", " + output + ", L="
        + samples + ")";
  }
}
