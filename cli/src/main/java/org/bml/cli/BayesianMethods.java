package org.bml.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.hierarchical.Bmaml;
import org.bml.hierarchical.BmamlEnsemble;
import org.bml.hierarchical.BmamlPosterior;
import org.bml.hierarchical.Emaml;
import org.bml.hierarchical.Llama;
import org.bml.hierarchical.Platipus;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.particles.RbfKernel;

/**
 * The Bayesian meta-learners of the hierarchical module in the method registry: LLAMA (Grant et
 * al. 2018), PLATIPUS (Finn, Xu &amp; Levine 2018), BMAML and EMAML (Yoon et al. 2018). Each takes
 * {@code --inner-steps} and {@code --inner-lr} as its adaptation settings and its own
 * hyperparameters with {@code --hp}; all handle regression (MLP d-40-40-1) and Omniglot (Conv-4).
 * Defaults that depend on the run ("auto") are derived from the run's recorded configuration
 * only, so {@code eval} and {@code predict} rebuild exactly the trained learner.
 */
final class BayesianMethods {
  private static final Set<TaskKind> BOTH = EnumSet.allOf(TaskKind.class);

  private BayesianMethods() {}

  static void registerAll() {
    Methods.register(new Methods.Method("llama",
        "LLAMA: MAML + η·½ log det of the Laplace curvature; predicts by sampling the Laplace posterior "
            + "(Grant et al. 2018)", BOTH,
        List.of(new Methods.Hyper("eta", "1e-3", "η ≥ 0, weight of ½ log det H (0: MAML)"),
            new Methods.Hyper("curvature", "kfac", "curvature H: kfac (the paper's), diagonal-ggn or exact-hessian"),
            new Methods.Hyper("damping", "1e-3", "τ > 0 added to H"),
            new Methods.Hyper("prior-precision", "auto",
                "λ ≥ 0 of an isotropic Gaussian prior added to H. auto: 1/(inner-steps·inner-lr), the flat-direction "
                    + "precision of early stopping's implicit prior, in training and (regression) at prediction; for "
                    + "classification the predictive samples use displacement. displacement: 1/(inner-steps·inner-lr) "
                    + "in training, at prediction per task max(that, P/‖φ̂ − θ‖²), P parameters. evidence: at "
                    + "prediction per task the λ that maximises the support set's Laplace evidence (MacKay 1992)"),
            new Methods.Hyper("noise-std", "0.5", "σ > 0 of the Gaussian likelihood whose curvature H is (regression)"),
            new Methods.Hyper("fisher", "exact",
                "output curvature of kfac / diagonal-ggn (classification): exact (one recorded reverse pass per class) "
                    + "or mc (Monte-Carlo Fisher, Martens & Grosse 2015 §5: mc-samples labels drawn from the model's "
                    + "predictive per point, one reverse pass each)"),
            new Methods.Hyper("mc-samples", "1", "S ≥ 1 labels sampled per point with fisher=mc"),
            new Methods.Hyper("mc-seed", "0", "seed of the sampled labels with fisher=mc (an integer)")),
        BayesianMethods::llama));
    Methods.register(new Methods.Method("platipus",
        "PLATIPUS: variational prior/posterior over θ, sampled task hypotheses (Finn, Xu & Levine 2018)", BOTH,
        List.of(new Methods.Hyper("kl-weight", "0.05", "β_KL ≥ 0 of KL(q ‖ p)"),
            new Methods.Hyper("prior-variance", "0.01", "initial σ²_θ > 0 of p(θ | D_train)"),
            new Methods.Hyper("posterior-variance", "0.01", "initial v_q > 0 of q(θ | D_test)"),
            new Methods.Hyper("gamma-p", "0.01", "initial γ_p ≥ 0, step of the prior mean on the support loss"),
            new Methods.Hyper("gamma-q", "0.01", "initial γ_q ≥ 0, step of the posterior mean on the query loss"),
            new Methods.Hyper("order", "second", "meta-gradient through the inner loop: second or first")),
        BayesianMethods::platipus));
    Methods.register(new Methods.Method("bmaml",
        "Bayesian MAML: SVGD particles, chaser loss (Yoon et al. 2018)", BOTH,
        List.of(new Methods.Hyper("particles", "5", "M ≥ 1 SVGD particles"),
            new Methods.Hyper("target", "auto",
                "SVGD target: gamma-priors (Gaussian/categorical likelihood, weights N(0, I/λ), Gamma hyper-priors; "
                    + "the paper's), loss (−mean loss, no priors) or auto (gamma-priors; on images the log-precision "
                    + "steps are scaled by 2/P, the inverse Fisher information of log λ, as the log λ gradient grows "
                    + "with the parameter count P)"),
            new Methods.Hyper("epsilon", "auto",
                "SVGD step size ε ≥ 0 (auto: inner-lr / support points per task for gamma-priors, whose "
                    + "likelihood sums over points; inner-lr for loss)"),
            new Methods.Hyper("leader-steps", "1", "s ≥ 1, the leader's further SVGD steps on support ∪ query"),
            new Methods.Hyper("objective", "chaser", "meta-loss: chaser (the paper's) or query-loss"),
            new Methods.Hyper("chase-noise", "true",
                "true: the chaser distance includes the noise coordinate log γ (regression with gamma-priors), so "
                    + "the outer loop learns the noise toward the leader's on support ∪ query (weights only, it "
                    + "raises γ like a step size: over-confident intervals); false: weights only (the authors' code, "
                    + "and BMAML before this option)"),
            new Methods.Hyper("weight-step", "gamma",
                "gamma: plain SVGD, the weights move α·γ/2 times MAML's step, so a calibrated (small) noise "
                    + "precision γ adapts less; decoupled: the weights' displacement is preconditioned by 2/γ̄ (the "
                    + "task's mean γ), i.e. MAML's step whatever γ; learned: that times exp(s), s a meta-learned scalar starting at 0 (the step size "
                    + "that γ plays in the plain step, as its own parameter; regression with gamma-priors only)"),
            new Methods.Hyper("bandwidth", "median", "RBF kernel bandwidth: median (heuristic) or a number > 0"),
            new Methods.Hyper("gamma-a", "1", "shape a > 0 of the Gamma prior on the noise precision γ (regression)"),
            new Methods.Hyper("gamma-b", "0.1", "rate b > 0 of the Gamma prior on γ (regression)"),
            new Methods.Hyper("lambda-a", "1", "shape a' > 0 of the Gamma prior on the weight precision λ"),
            new Methods.Hyper("lambda-b", "0.1", "rate b' > 0 of the Gamma prior on λ"),
            new Methods.Hyper("order", "second", "gradient through the SVGD steps: second or first")),
        BayesianMethods::bmaml));
    Methods.register(new Methods.Method("emaml",
        "EMAML: an ensemble of independent MAML learners, BMAML without kernel (Yoon et al. 2018)", BOTH,
        List.of(new Methods.Hyper("particles", "5", "M ≥ 1 ensemble members"),
            new Methods.Hyper("order", "second", "meta-gradient through the inner loop: second or first")),
        BayesianMethods::emaml));
  }

  private static Llama llama(MethodContext c) {
    double eta = c.hp().nonNegative("eta");
    double damping = c.hp().positive("damping", false);
    // Parsed here, before the curvature and noise, so that a bad value is reported in the same order as ever.
    String rule = c.hp().string("prior-precision");
    Llama.PredictivePrior predictive = switch (rule) {
      case "evidence" -> Llama.PredictivePrior.EVIDENCE;
      case "displacement" -> Llama.PredictivePrior.DISPLACEMENT;
      case "auto" -> Llama.defaultPredictivePrior(!c.regression());
      default -> Llama.PredictivePrior.AS_TRAINED;
    };
    Double givenLambda = c.hp().isAuto("prior-precision") || predictive != Llama.PredictivePrior.AS_TRAINED ? null
        : c.hp().nonNegative("prior-precision");
    Curvature curvature = switch (c.hp().choice("curvature", "kfac", "diagonal-ggn", "exact-hessian")) {
      case "diagonal-ggn" -> Curvature.DIAGONAL_GGN;
      case "exact-hessian" -> Curvature.EXACT_HESSIAN;
      default -> Curvature.KFAC;
    };
    double noiseStd = c.hp().positive("noise-std", false);
    Fisher fisher = fisher(c, curvature);
    Model m = c.predictor();
    ModelLikelihood ll = c.regression() ? LogLikelihood.gaussian(m, noiseStd)
        : fisher.exact() ? LogLikelihood.categorical(m)
        : LogLikelihood.categoricalMonteCarlo(m, fisher.samples(), fisher.seed());
    Llama l = givenLambda == null
        ? Llama.defaults(m, c.likelihood(m), ll, c.innerSteps(), c.innerLr(), eta, damping, curvature)
        : new Llama(m, c.likelihood(m), ll, c.innerSteps(), c.innerLr(), eta, givenLambda, damping, curvature);
    return predictive == Llama.PredictivePrior.AS_TRAINED ? l : l.withPredictivePrior(predictive);
  }

  /** LLAMA's output curvature: exact, or Monte-Carlo with S samples and a seed. */
  record Fisher(boolean exact, int samples, long seed) {}

  /**
   * The {@code fisher}, {@code mc-samples} and {@code mc-seed} hyperparameters, checked: the Monte-Carlo
   * Fisher samples categorical labels, so it needs classification and a curvature built from the
   * output factor (kfac, diagonal-ggn); anything else is refused.
   */
  static Fisher fisher(MethodContext c, Curvature curvature) {
    boolean mc = c.hp().choice("fisher", "exact", "mc").equals("mc");
    int samples = c.hp().integer("mc-samples", 1);
    String seedText = c.hp().string("mc-seed");
    long seed;
    try {
      seed = Long.parseLong(seedText.strip());
    } catch (NumberFormatException e) {
      throw new BadInputException("--hp mc-seed=" + seedText + ": not an integer (method llama)");
    }
    if (!mc) {
      return new Fisher(true, samples, seed);
    }
    if (c.regression()) {
      throw new BadInputException("--hp fisher=mc: the Monte-Carlo Fisher samples class labels, so it needs a "
          + "classification data set; this one is regression (its Gaussian output curvature I/σ² is exact at one pass "
          + "per output already): use fisher=exact");
    }
    if (curvature == Curvature.EXACT_HESSIAN) {
      throw new BadInputException("--hp fisher=mc needs curvature=kfac or diagonal-ggn (the Fisher's output factor); "
          + "curvature=exact-hessian does not use it");
    }
    return new Fisher(false, samples, seed);
  }

  private static Platipus platipus(MethodContext c) {
    Model m = c.predictor();
    return new Platipus(m, c.likelihood(m), new Platipus.Config(c.innerSteps(), c.innerLr(),
        c.hp().nonNegative("kl-weight"), c.hp().positive("prior-variance", false),
        c.hp().positive("posterior-variance", false), c.hp().nonNegative("gamma-p"), c.hp().nonNegative("gamma-q"),
        c.gradientOrder(), false));
  }

  private static Bmaml bmaml(MethodContext c) {
    int particles = c.hp().integer("particles", 1);
    String target = c.hp().choice("target", "auto", "gamma-priors", "loss");
    boolean priors = !target.equals("loss");
    // Parsed here, before the priors' settings, so that a bad value is reported in the same order as ever.
    Double givenEpsilon = c.hp().isAuto("epsilon") ? null : c.hp().nonNegative("epsilon");
    Bmaml.Objective objective = c.hp().choice("objective", "chaser", "query-loss").equals("chaser")
        ? Bmaml.Objective.CHASER : Bmaml.Objective.QUERY_LOSS;
    int leaderSteps = c.hp().integer("leader-steps", objective == Bmaml.Objective.CHASER ? 1 : 0);
    RbfKernel kernel = c.hp().string("bandwidth").equals("median") ? RbfKernel.medianHeuristic()
        : RbfKernel.fixed(c.hp().positive("bandwidth", false));
    boolean chaseNoise = c.hp().choice("chase-noise", "false", "true").equals("true");
    Bmaml.WeightStep weightStep = switch (c.hp().choice("weight-step", "gamma", "decoupled", "learned")) {
      case "decoupled" -> Bmaml.WeightStep.DECOUPLED;
      case "learned" -> Bmaml.WeightStep.LEARNED;
      default -> Bmaml.WeightStep.GAMMA;
    };
    double la = c.hp().positive("lambda-a", false);
    double lb = c.hp().positive("lambda-b", false);
    double ga = c.hp().positive("gamma-a", false);
    double gb = c.hp().positive("gamma-b", false);
    Model m = c.predictor();
    BmamlEnsemble.Output output = output(c);
    BmamlPosterior posterior;
    if (!priors) {
      posterior = BmamlPosterior.negativeLoss(m, c.likelihood(m), output);
    } else if (c.regression()) {
      posterior = BmamlPosterior.gaussianRegression(m, ga, gb, la, lb);
    } else {
      posterior = BmamlPosterior.classification(m, la, lb);
    }
    double epsilon = givenEpsilon == null ? Bmaml.defaultStepSize(posterior, c.innerLr(), c.trainingSupport())
        : givenEpsilon;
    double precisionStep = Bmaml.defaultPrecisionStepScale(posterior);
    return new Bmaml(posterior, new Bmaml.Config(particles, c.innerSteps(), epsilon, leaderSteps, kernel, objective,
        c.gradientOrder(), precisionStep, chaseNoise, weightStep));
  }

  private static Emaml emaml(MethodContext c) {
    Model m = c.predictor();
    return new Emaml(m, c.likelihood(m), output(c), c.hp().integer("particles", 1), c.innerSteps(), c.innerLr(),
        c.gradientOrder());
  }

  private static BmamlEnsemble.Output output(MethodContext c) {
    return c.regression() ? BmamlEnsemble.Output.REGRESSION : BmamlEnsemble.Output.CLASSIFICATION;
  }

  /** Whether a learner of this method carries a learned noise precision (BMAML's log γ) in each hypothesis. */
  static boolean learnsNoise(org.bml.algorithms.MetaLearner learner) {
    return learner instanceof Bmaml b && b.posterior().learnsNoise();
  }
}
