package org.bml.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import org.bml.algorithms.Anil;
import org.bml.algorithms.InnerLoopLearner;
import org.bml.algorithms.MetaLearner;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.hierarchical.MrMamlActivations;
import org.bml.hierarchical.MrMamlWeights;
import org.bml.inference.Likelihood;
import org.bml.regularizers.Composed;
import org.bml.regularizers.StochasticBottleneck;
import org.bml.regularizers.WeightRegularizer;

/**
 * MR-MAML's meta-regularizers for the command line (Yin, Tucker, Zhou, Levine &amp; Finn, ICLR 2020,
 * "Meta-Learning without Memorization", arXiv:1912.03820). Each builds its own network, because
 * MR-MAML regularises a part of the model that the inner loop does not adapt:
 *
 * <ul>
 *   <li>{@code mr-w} (weights; {@link MrMamlWeights}): with {@code maml}/{@code fomaml} on
 *       regression, the paper's sinusoid network — a stochastic encoder d-100-5 before an adapted
 *       decoder 5-40-40-1; with {@code anil}, the usual d-40-40-1 MLP with its body stochastic and its
 *       last layer adapted; on images (any of the three), Conv-4 with a stochastic body and an adapted
 *       N-way head. The stochastic parameters are the weight matrices and kernels of the
 *       non-adapted part ({@code --hp stochastic=weights}, the paper's choice) or all of it
 *       ({@code all});</li>
 *   <li>{@code mr-a} (activations; {@link MrMamlActivations}): a stochastic bottleneck z ~ q(z | x)
 *       between an encoder and an adapted decoder — regression: encoder d-80-(2·L), decoder
 *       L-40-40-1 (the paper's sinusoid network, L = 5); images: a Conv-4 whose head outputs 2·L
 *       (μ and s of z), then a linear L → N decoder (L = 64 by default).</li>
 * </ul>
 * Both wrap the method's learner: they take its inner loop (steps, step size and order: second
 * order for {@code maml} and {@code anil} unless {@code --hp order=first}, first order for
 * {@code fomaml}); MR-MAML(W) on an {@code anil} learner keeps its model and adapted head.
 *
 * <p>Defaults follow the authors' sinusoid notebook, whose optimisers decide the result (see
 * {@code hierarchical/.../repro/MrMamlSinusoidRepro}): MR-MAML(W)'s σ is fixed
 * ({@code learn-std=false}) and {@code --outer-optimizer auto} picks the notebook's sign descent
 * ({@link OuterOptimizers}). With Adam and a learned σ, MR-MAML(W) memorises the non-mutually-
 * exclusive sinusoid tasks as MAML does.
 */
final class MrMamlRegularizers {
  /** Hidden width of MR-MAML(W)'s sinusoid encoder. */
  static final int W_ENCODER_HIDDEN = 100;
  /** Output width of MR-MAML(W)'s sinusoid encoder (the decoder's input). */
  static final int W_ENCODER_OUT = 5;
  /** Hidden width of MR-MAML(A)'s sinusoid encoder. */
  static final int A_ENCODER_HIDDEN = 80;

  private MrMamlRegularizers() {}

  static void registerAll() {
    Regularizers.register(new Regularizers.Regularizer("mr-w",
        "MR-MAML(W): stochastic non-adapted weights with β·KL(q(θ) ‖ N(0, I)) (Yin et al. 2020)",
        new LinkedHashSet<>(List.of("maml", "fomaml", "anil")),
        List.of(new Methods.Hyper("beta", "5e-5", "β ≥ 0, weight of the KL of the stochastic weights (summed)"),
            new Methods.Hyper("init-log-std", "-11.5129", "log θ_σ of every stochastic entry, fixed or initial "
                + "(≈ log 1e-5, the paper's σ0)"),
            new Methods.Hyper("learn-std", "false", "whether log θ_σ is meta-learned; false: σ = exp(init-log-std) "
                + "fixed, as in the authors' notebook (its σ = ε + softplus(ρ), ρ ≈ −50, gets no gradient)"),
            new Methods.Hyper("stochastic", "weights",
                "which non-adapted parameters are stochastic: weights (matrices and kernels) or all")),
        MrMamlRegularizers::weights));
    Regularizers.register(new Regularizers.Regularizer("mr-a",
        "MR-MAML(A): stochastic bottleneck z ~ q(z | x) with β·KL(q(z | x) ‖ N(0, I)) (Yin et al. 2020)",
        new LinkedHashSet<>(List.of("maml", "fomaml")),
        List.of(new Methods.Hyper("beta", "1", "β ≥ 0, weight of the KL of the activations (summed over z's dims)"),
            new Methods.Hyper("latent-dim", "auto", "dimension L of z (auto: 5 for regression, 64 for images)")),
        MrMamlRegularizers::activations));
  }

  // The regularizers wrap the method's learner: its inner loop (steps, step size, order) is theirs.
  private static InnerLoopLearner base(MetaLearner learner, String regularizer) {
    if (learner instanceof InnerLoopLearner b) {
      return b;
    }
    throw new BadInputException("regularizer " + regularizer + " wraps a learner with an inner gradient loop, not "
        + learner);
  }

  private static MetaLearner weights(MetaLearner learner, MethodContext c) {
    InnerLoopLearner base = base(learner, "mr-w");
    double beta = c.hp().nonNegative("beta");
    double initLogStd = c.hp().real("init-log-std", false);
    boolean all = c.hp().choice("stochastic", "weights", "all").equals("all");
    boolean learnStd = c.hp().bool("learn-std");
    Model net;
    Likelihood likelihood;
    List<String> adapted;
    if (c.regression() && !(base instanceof Anil)) {
      // A base that adapts the whole MLP leaves nothing to regularise: the paper's encoder-decoder network instead.
      Composed composed = new Composed(
          new Mlp(Activation.RELU, Math.toIntExact(c.inputShape()[0]), W_ENCODER_HIDDEN, W_ENCODER_OUT),
          new Mlp(Activation.RELU, W_ENCODER_OUT, MethodContext.MLP_HIDDEN[0], MethodContext.MLP_HIDDEN[1], 1));
      net = composed;
      likelihood = c.likelihood(net);
      adapted = composed.decoderNames();
    } else {
      net = base.model();
      likelihood = base.likelihood();
      adapted = MrMamlWeights.adaptedBy(base, c.headNames(net));
    }
    List<String> stochastic = new ArrayList<>();
    for (String n : MrMamlWeights.notAdapted(net, adapted)) {
      if (all || n.endsWith(".weight")) {
        stochastic.add(n);
      }
    }
    WeightRegularizer regularizer = learnStd ? new WeightRegularizer(stochastic, beta, initLogStd)
        : WeightRegularizer.fixedStd(stochastic, beta, initLogStd);
    return MrMamlWeights.wrap(base, net, likelihood, adapted, regularizer);
  }

  private static MetaLearner activations(MetaLearner learner, MethodContext c) {
    InnerLoopLearner base = base(learner, "mr-a");
    double beta = c.hp().nonNegative("beta");
    int latent = c.hp().isAuto("latent-dim") ? MrMamlActivations.defaultLatentDim(c.regression())
        : c.hp().integer("latent-dim", 1);
    StochasticBottleneck net;
    if (c.regression()) {
      net = new StochasticBottleneck(
          new Mlp(Activation.RELU, Math.toIntExact(c.inputShape()[0]), A_ENCODER_HIDDEN, 2 * latent),
          new Mlp(Activation.RELU, latent, MethodContext.MLP_HIDDEN[0], MethodContext.MLP_HIDDEN[1], 1), latent);
      return MrMamlActivations.wrap(base, net, Likelihood::meanSquaredError, beta);
    }
    long[] s = c.inputShape();
    net = new StochasticBottleneck(
        new Conv4(Math.toIntExact(s[0]), MethodContext.CONV4_FILTERS, Math.toIntExact(s[1]), 2 * latent),
        new Mlp(Activation.RELU, latent, c.ways()), latent);
    return MrMamlActivations.wrap(base, net, Likelihood::softmaxCrossEntropy, beta);
  }
}
