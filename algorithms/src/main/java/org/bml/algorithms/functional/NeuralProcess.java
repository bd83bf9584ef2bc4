package org.bml.algorithms.functional;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bml.algorithms.Hyper;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.GaussianOutputs;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Noise;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Neural processes for regression: a set encoder summarises the context (support) set, a decoder
 * maps a target input and that summary to a Gaussian N(μ(x), σ²(x)) over the target output.
 *
 * <ul>
 *   <li>{@link Variant#CONDITIONAL}: the conditional neural process (CNP; Garnelo, Rosenbaum,
 *       Maddison, Ramalho, Saxton, Shanahan, Teh, Rezende &amp; Eslami, "Conditional Neural
 *       Processes", ICML 2018). r = mean_i h([x_i, y_i]); the decoder g([x, r]) gives μ and
 *       σ = 0.1 + 0.9·softplus(·) (the floor of the authors' released code). Trained by the
 *       Gaussian NLL of the targets, which include the context points (the paper's protocol).</li>
 *   <li>{@link Variant#LATENT}: the latent neural process (NP; Garnelo, Schwarz, Rosenbaum, Viola,
 *       Rezende, Eslami &amp; Teh, "Neural Processes", ICML 2018 workshop on theoretical foundations
 *       and applications of deep generative models). A global latent z with q(z | C) = N(μ_z, σ_z²),
 *       s = mean_i h([x_i, y_i]), μ_z, σ_z = 0.1 + 0.9·sigmoid(·) from s; the decoder g([x, z]).
 *       Trained on the ELBO with the posterior of context ∪ target approximating the conditional
 *       prior, the paper's eq. (9): −E_{q(z|C∪T)} log p(y_T | z) + KL(q(z | C∪T) ‖ q(z | C)), one
 *       reparameterised sample, both terms divided by the number of target points.</li>
 * </ul>
 *
 * <p>Adaptation is amortised (one encoder pass), so the number of adaptation steps is ignored, as
 * for prototypical networks. Adapted parameters are the meta-parameters plus the task summary
 * ({@value #SUMMARY}: r for the CNP, z for the NP — its posterior mean in {@link #adapt}, samples in
 * {@link #hypotheses}). {@link #perTaskLoss} is the mean squared error of μ (comparable with the
 * other regression methods); the predictive NLL comes from {@link GaussianOutputs} through
 * {@code predictive}.
 */
public final class NeuralProcess implements MetaLearner, GaussianOutputs {
  /** The conditional (deterministic path only) or the latent (global z only) neural process. */
  public enum Variant { CONDITIONAL, LATENT }

  /** Name of the per-task summary in adapted parameters, {@code [T, 1, width]}. */
  public static final String SUMMARY = "np.summary";
  static final String ENCODER = org.bml.core.model.ParamNames.ENCODER;
  static final String DECODER = org.bml.core.model.ParamNames.DECODER;
  /** Floor and scale of the output standard deviation (authors' code). */
  static final double SIGMA_FLOOR = 0.1;

  private final Variant variant;
  private final int inputDim;
  private final int outputDim;
  private final int summaryDim;
  private final Mlp encoder;
  private final Mlp decoder;

  /**
   * @param inputDim d_x ≥ 1
   * @param outputDim d_y ≥ 1
   * @param summaryDim width of r (CNP) or of z (NP), ≥ 1
   * @param encoderHidden hidden widths of h (may be empty: a linear encoder)
   * @param decoderHidden hidden widths of g (may be empty: a linear decoder)
   */
  public NeuralProcess(Variant variant, int inputDim, int outputDim, int summaryDim, int[] encoderHidden,
      int[] decoderHidden) {
    if (variant == null) {
      throw new IllegalArgumentException("NeuralProcess: variant must be given");
    }
    Hyper.positiveCount("NeuralProcess", "input dimension", inputDim);
    Hyper.positiveCount("NeuralProcess", "output dimension", outputDim);
    Hyper.positiveCount("NeuralProcess", "summary dimension", summaryDim);
    for (int w : encoderHidden) {
      Hyper.positiveCount("NeuralProcess", "encoder hidden width", w);
    }
    for (int w : decoderHidden) {
      Hyper.positiveCount("NeuralProcess", "decoder hidden width", w);
    }
    this.variant = variant;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.summaryDim = summaryDim;
    int encoderOut = variant == Variant.LATENT ? 2 * summaryDim : summaryDim;
    encoder = new Mlp(Activation.RELU, widths(inputDim + outputDim, encoderHidden, encoderOut));
    decoder = new Mlp(Activation.RELU, widths(inputDim + summaryDim, decoderHidden, 2 * outputDim));
  }

  private static int[] widths(int in, int[] hidden, int out) {
    int[] w = new int[hidden.length + 2];
    w[0] = in;
    System.arraycopy(hidden, 0, w, 1, hidden.length);
    w[w.length - 1] = out;
    return w;
  }

  public Variant variant() {
    return variant;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    encoder.init(seed, dtype).entries().forEach(e -> m.put(ENCODER + e.getKey(), e.getValue()));
    decoder.init(seed + 1, dtype).entries().forEach(e -> m.put(DECODER + e.getKey(), e.getValue()));
    return Params.of(m);
  }

  private void checkData(String where, Data d) {
    if (d == null) {
      throw new IllegalArgumentException("NeuralProcess." + where + ": data must be given");
    }
    if (d.x().rank() != 3 || d.x().size(2) != inputDim || d.y().rank() != 3 || d.y().size(2) != outputDim) {
      throw new IllegalArgumentException("NeuralProcess." + where + ": needs x [T, n, " + inputDim + "] and y [T, n, "
          + outputDim + "] (regression), got x " + java.util.Arrays.toString(d.x().shape()) + ", y "
          + java.util.Arrays.toString(d.y().shape()));
    }
  }

  /** Mean over the set of h([x, y]): {@code [T, 1, encoder outputs]}. */
  private Tensor encode(Params meta, Data context) {
    Tensor h = encoder.forward(Parts.part(meta, ENCODER), Ops.concat(2, List.of(context.x(), context.y())));
    return Ops.mean(h, true, 1);
  }

  /** q(z | C) of the latent variant: {μ_z, σ_z}, each {@code [T, 1, dz]}. */
  private Tensor[] latent(Params meta, Data context) {
    Tensor s = encode(meta, context);
    Tensor mu = Ops.slice(s, 2, 0, summaryDim);
    Tensor sigma = Ops.addScalar(Ops.mulScalar(Ops.sigmoid(Ops.slice(s, 2, summaryDim, 2L * summaryDim)),
        1 - SIGMA_FLOOR), SIGMA_FLOOR);
    return new Tensor[] {mu, sigma};
  }

  /** Decoder outputs {μ, σ}, each {@code [T, n, d_y]}, for a summary {@code [T, 1, width]}. */
  private Tensor[] decode(Params meta, Tensor summary, Tensor x) {
    if (x.rank() != 3 || x.size(2) != inputDim || x.size(0) != summary.size(0)) {
      throw new IllegalArgumentException("NeuralProcess: inputs must be [" + summary.size(0) + ", n, " + inputDim
          + "], got " + java.util.Arrays.toString(x.shape()));
    }
    Tensor r = Ops.broadcastTo(summary, x.size(0), x.size(1), summaryDim);
    Tensor out = decoder.forward(Parts.part(meta, DECODER), Ops.concat(2, List.of(x, r)));
    Tensor mu = Ops.slice(out, 2, 0, outputDim);
    Tensor sigma = Ops.addScalar(Ops.mulScalar(Ops.softplus(Ops.slice(out, 2, outputDim, 2L * outputDim)),
        1 - SIGMA_FLOOR), SIGMA_FLOOR);
    return new Tensor[] {mu, sigma};
  }

  /** Per-task mean Gaussian NLL {@code [T]} of y under N(μ, σ²). */
  static Tensor gaussianNll(Tensor y, Tensor mu, Tensor sigma) {
    Tensor nll = Ops.gaussianNll(y, mu, Ops.mulScalar(Ops.log(sigma), 2));
    return Ops.mean(nll, false, 1, 2);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return metaLoss(meta, support, query, 0L);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query, long seed) {
    checkData("metaLoss", support);
    checkData("metaLoss", query);
    Data target = new Data(Ops.concat(1, List.of(support.x(), query.x())),
        Ops.concat(1, List.of(support.y(), query.y())));
    if (variant == Variant.CONDITIONAL) {
      Tensor[] out = decode(meta, encode(meta, support), target.x());
      return Ops.mean(gaussianNll(target.y(), out[0], out[1]), false);
    }
    Tensor[] prior = latent(meta, support);
    Tensor[] post = latent(meta, target);
    Tensor z = Ops.add(post[0], Ops.mul(post[1], Noise.standardNormal(new Random(seed), post[0].dtype(), post[0].shape())));
    Tensor[] out = decode(meta, z, target.x());
    Tensor nll = gaussianNll(target.y(), out[0], out[1]);
    Tensor kl = Ops.mulScalar(gaussianKl(post[0], post[1], prior[0], prior[1]), 1.0 / target.points());
    return Ops.mean(Ops.add(nll, kl), false);
  }

  /** KL(N(m1, s1²) ‖ N(m2, s2²)) summed over the last axis, per task {@code [T]}. */
  static Tensor gaussianKl(Tensor m1, Tensor s1, Tensor m2, Tensor s2) {
    Tensor ratio = Ops.square(Ops.div(s1, s2));
    Tensor d = Ops.square(Ops.div(Ops.sub(m1, m2), s2));
    Tensor kl = Ops.mulScalar(Ops.sub(Ops.add(ratio, d), Ops.addScalar(Ops.log(ratio), 1)), 0.5);
    return Ops.sum(kl, false, 1, 2);
  }


  @Override
  public Params adapt(Params meta, Data support, int steps) {
    checkSteps(steps);
    checkData("adapt", support);
    Tensor summary = variant == Variant.CONDITIONAL ? encode(meta, support) : latent(meta, support)[0];
    return meta.with(SUMMARY, summary);
  }

  private static void checkSteps(int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("NeuralProcess: adaptation steps must be >= 0, got " + steps);
    }
  }

  /**
   * The CNP has one hypothesis (its summary r); the NP returns k functions, z sampled from
   * q(z | support) with the seed.
   */
  @Override
  public List<Params> hypotheses(Params meta, Data support, int steps, int k, long seed) {
    Hyper.positiveCount("NeuralProcess.hypotheses", "k", k);
    if (variant == Variant.CONDITIONAL) {
      return List.of(adapt(meta, support, steps));
    }
    checkSteps(steps);
    checkData("hypotheses", support);
    Tensor[] q = latent(meta, support);
    List<Params> out = new ArrayList<>(k);
    for (int h = 0; h < k; h++) {
      Tensor eps = Noise.standardNormal(new Random(seed * 1_000_003L + h), q[0].dtype(), q[0].shape());
      out.add(meta.with(SUMMARY, Ops.add(q[0], Ops.mul(q[1], eps))));
    }
    return out;
  }

  private Tensor summary(Params adapted) {
    if (!adapted.has(SUMMARY)) {
      throw new IllegalArgumentException("NeuralProcess: parameters have no task summary '" + SUMMARY
          + "'; pass the result of adapt or hypotheses");
    }
    return adapted.get(SUMMARY);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return decode(adapted, summary(adapted), x)[0];
  }

  @Override
  public Tensor outputVariance(Params hypothesis, Tensor x) {
    return Ops.square(decode(hypothesis, summary(hypothesis), x)[1]);
  }

  /** Per-task mean squared error of μ. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    checkData("perTaskLoss", data);
    Tensor d = Ops.sub(predict(adapted, data.x()), data.y());
    return Ops.mean(Ops.square(d), false, 1, 2);
  }

  /** Per-task mean Gaussian NLL of the data under one hypothesis' predictive. */
  public Tensor perTaskNll(Params adapted, Data data) {
    checkData("perTaskNll", data);
    Tensor[] out = decode(adapted, summary(adapted), data.x());
    return gaussianNll(data.y(), out[0], out[1]);
  }
}
