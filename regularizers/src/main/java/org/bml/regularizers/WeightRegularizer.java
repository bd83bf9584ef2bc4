package org.bml.regularizers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.StandardNormal;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MR-MAML(W), meta-regularisation on weights (Yin, Tucker, Zhou, Levine &amp; Finn, ICLR 2020,
 * "Meta-Learning without Memorization", arXiv:1912.03820, §4.2 and Algorithm 2): the parameters
 * the inner loop does NOT adapt become a Gaussian q(θ) = N(θ_μ, diag θ_σ²), sampled by
 * reparameterisation (θ = θ_μ + θ_σ ⊙ ε, one ε per meta-iteration), and the meta-loss gets
 * β·KL(q(θ) ‖ N(0, I)), so information about the training tasks stored in θ is paid for and the
 * meta-learner must take it from the support set instead.
 *
 * <p>Meta-parameters: the model's parameters (for the stochastic ones the value is θ_μ) plus one
 * learned log θ_σ per stochastic parameter, named {@link #logStdName(String)}. {@link #sample}
 * and {@link #mean} turn them back into plain model parameters. The KL is the priors module's
 * closed form between diagonal Gaussians ({@link DiagonalGaussian#klDivergence} against
 * {@link StandardNormal}).
 *
 * <p>{@link #fixedStd} keeps θ_σ = exp(log σ0) fixed: no log θ_σ meta-parameters, q(θ) =
 * N(θ_μ, σ0² I) with only θ_μ learned, and β·KL(q ‖ N(0, I)) then acts on θ_μ as weight decay
 * (gradient β·θ_μ). This is what the authors' sinusoid notebook trains: its θ_σ = ε +
 * softplus(ρ) with ρ ≈ −50 gets no gradient, so σ stays at its initial ≈ 1e-5.
 *
 * <p>{@link #zeroVariance} asks for exact zero variance: no log θ_σ tensors, θ = θ_μ bit for bit,
 * and β must be 0 (KL of a point mass to N(0, I) is infinite). The method then is the plain
 * point-estimate meta-learner with the same adapted/non-adapted split.
 */
public final class WeightRegularizer {
  /** Prefix of the learned log-standard-deviation tensors in the meta-parameters. */
  public static final String LOG_STD_PREFIX = org.bml.core.model.ParamNames.LOG_STD;

  private final List<String> names;
  private final double beta;
  private final double initialLogStd;
  private final Mode mode;

  /** How θ_σ is treated. */
  private enum Mode {
    /** log θ_σ is a meta-parameter. */
    LEARNED,
    /** θ_σ = exp(initial log σ), a constant. */
    FIXED,
    /** θ = θ_μ exactly. */
    ZERO
  }

  /**
   * @param stochastic the parameters made stochastic (non-empty, no duplicates)
   * @param beta β ≥ 0, the weight of KL(q(θ) ‖ N(0, I))
   * @param initialLogStd log θ_σ at initialisation (finite), e.g. log 1e-5 so training starts
   *     close to the deterministic model
   */
  public WeightRegularizer(Collection<String> stochastic, double beta, double initialLogStd) {
    this(stochastic, beta, initialLogStd, Mode.LEARNED);
  }

  private WeightRegularizer(Collection<String> stochastic, double beta, double initialLogStd, Mode mode) {
    this.names = distinct(stochastic);
    this.beta = Checks.beta("WeightRegularizer", beta);
    this.initialLogStd = Checks.finite("WeightRegularizer", mode == Mode.FIXED ? "log σ" : "initial log σ",
        initialLogStd);
    this.mode = mode;
  }

  /**
   * θ_σ fixed at exp(logStd) for every stochastic entry: θ_μ are the only meta-parameters (no
   * log θ_σ tensors).
   *
   * @param beta β ≥ 0, the weight of KL(q(θ) ‖ N(0, I))
   * @param logStd log θ_σ (finite)
   */
  public static WeightRegularizer fixedStd(Collection<String> stochastic, double beta, double logStd) {
    return new WeightRegularizer(stochastic, beta, logStd, Mode.FIXED);
  }

  /** Exact zero variance (θ = θ_μ, no log σ tensors) and β = 0: the degenerate, deterministic case. */
  public static WeightRegularizer zeroVariance(Collection<String> stochastic) {
    return new WeightRegularizer(stochastic, 0.0, 0.0, Mode.ZERO);
  }

  /**
   * Zero variance with a given β: rejected unless β = 0, since KL(δ(θ_μ) ‖ N(0, I)) is infinite.
   * Exists so that a caller's configuration is validated rather than silently changed.
   */
  public static WeightRegularizer zeroVariance(Collection<String> stochastic, double beta) {
    Checks.beta("WeightRegularizer", beta);
    if (beta != 0) {
      throw new IllegalArgumentException("WeightRegularizer: zero variance needs β = 0 (the KL of a point mass to "
          + "N(0, I) is infinite), got β = " + beta);
    }
    return zeroVariance(stochastic);
  }

  /** Name of the log θ_σ tensor of a stochastic parameter. */
  public static String logStdName(String parameter) {
    return LOG_STD_PREFIX + parameter;
  }

  public static boolean isLogStd(String name) {
    return name.startsWith(LOG_STD_PREFIX);
  }

  public List<String> names() {
    return names;
  }

  public double beta() {
    return beta;
  }

  public double initialLogStd() {
    return initialLogStd;
  }

  public boolean isZeroVariance() {
    return mode == Mode.ZERO;
  }

  /** Whether log θ_σ are meta-parameters (false for {@link #fixedStd} and {@link #zeroVariance}). */
  public boolean learnsStd() {
    return mode == Mode.LEARNED;
  }

  /** Whether {@link #penalty} can be nonzero (then the meta-loss has a term shared by all tasks). */
  public boolean penalises() {
    return mode != Mode.ZERO && beta > 0;
  }

  /**
   * Meta-parameters from model parameters: θ_μ = the given values, plus log θ_σ = the initial
   * value (as variables) for each stochastic parameter; nothing added for a fixed σ or zero
   * variance.
   */
  public Params initialize(Params model) {
    Checks.nonNull("WeightRegularizer", "model parameters", model);
    requireNames(model);
    if (mode != Mode.LEARNED) {
      return model;
    }
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.entries()) {
      m.put(e.getKey(), e.getValue());
    }
    for (String n : names) {
      Tensor mu = model.get(n);
      INDArray logStd = Nd4j.valueArrayOf(mu.shape(), initialLogStd, mu.dtype());
      m.put(logStdName(n), Tensor.variable(logStd, logStdName(n)));
    }
    return Params.of(m);
  }

  /** The model's parameters at θ = θ_μ (the meta-parameters without the log θ_σ tensors). */
  public Params mean(Params meta) {
    requireNames(meta);
    List<String> keep = new ArrayList<>();
    for (String n : meta.names()) {
      if (!isLogStd(n)) {
        keep.add(n);
      }
    }
    return meta.subset(keep);
  }

  /**
   * The model's parameters with each stochastic θ drawn from q(θ) by reparameterisation
   * (differentiable with respect to θ_μ and log θ_σ; the noise is a constant from {@code seed}).
   * With zero variance this is exactly {@link #mean}.
   */
  public Params sample(Params meta, long seed) {
    Params mean = mean(meta);
    if (mode == Mode.ZERO) {
      return mean;
    }
    return mean.withAll(posterior(meta).sample(seed));
  }

  /**
   * q(θ) = N(θ_μ, diag exp(2 log θ_σ)) over the stochastic parameters; for a fixed σ, log θ_σ is
   * the constant log σ0.
   */
  public DiagonalGaussian posterior(Params meta) {
    if (mode == Mode.ZERO) {
      throw new IllegalStateException("WeightRegularizer: zero variance has no Gaussian q(θ) (it is a point mass)");
    }
    requireNames(meta);
    List<Tensor> mu = new ArrayList<>();
    List<Tensor> logVar = new ArrayList<>();
    for (String n : names) {
      Tensor m = meta.get(n);
      if (mode == Mode.FIXED) {
        mu.add(m);
        logVar.add(Tensor.constant(Nd4j.valueArrayOf(m.shape(), 2 * initialLogStd, m.dtype())));
        continue;
      }
      Tensor ls = meta.get(logStdName(n));
      if (!java.util.Arrays.equals(m.shape(), ls.shape())) {
        throw new IllegalArgumentException("WeightRegularizer: '" + logStdName(n) + "' has shape "
            + java.util.Arrays.toString(ls.shape()) + " but '" + n + "' has " + java.util.Arrays.toString(m.shape()));
      }
      requireFinite(logStdName(n), ls);
      mu.add(m);
      logVar.add(Ops.mulScalar(ls, 2.0));
    }
    return new DiagonalGaussian(Params.of(names, mu), Params.of(names, logVar));
  }

  /**
   * KL(q(θ) ‖ N(0, I)), a differentiable scalar.
   *
   * @throws ArithmeticException if it overflows (huge θ_μ or log θ_σ), naming the extremes
   */
  public Tensor kl(Params meta) {
    DiagonalGaussian q = posterior(meta);
    Tensor kl = q.klDivergence(StandardNormal.like(q.mean()));
    Checks.finiteKl("WeightRegularizer", "KL(q(θ) ‖ N(0, I))", kl.item(), extremes(meta));
    return kl;
  }

  /** β·KL(q(θ) ‖ N(0, I)); a constant 0 when β = 0 or with zero variance (the KL is not even formed). */
  public Tensor penalty(Params meta) {
    if (!penalises()) {
      requireNames(meta);
      return Tensor.constant(Nd4j.scalar(dtype(meta), 0.0));
    }
    return Ops.mulScalar(kl(meta), beta);
  }

  private DataType dtype(Params meta) {
    return meta.get(names.get(0)).dtype();
  }

  private String extremes(Params meta) {
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      INDArray mu = meta.get(n).value();
      double maxLogStd = mode == Mode.FIXED ? initialLogStd : meta.get(logStdName(n)).value().maxNumber().doubleValue();
      b.append(String.format("'%s': max |θ_μ| = %.4g, max log θ_σ = %.4g; ", n, mu.amaxNumber().doubleValue(),
          maxLogStd));
    }
    return b.append("reduce the learning rate or β, or clip gradients").toString();
  }

  private void requireNames(Params p) {
    for (String n : names) {
      if (!p.has(n)) {
        throw new IllegalArgumentException("WeightRegularizer: stochastic parameter '" + n
            + "' is not among the parameters " + p.names());
      }
    }
  }

  private static void requireFinite(String name, Tensor t) {
    INDArray v = t.value();
    if (v.isNaN().any() || v.isInfinite().any()) {
      throw new IllegalArgumentException("WeightRegularizer: '" + name + "' holds NaN or infinite values "
          + "(log θ_σ must be finite: a variance must be positive and finite)");
    }
  }

  private static List<String> distinct(Collection<String> names) {
    Checks.nonNull("WeightRegularizer", "stochastic parameter names", names);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("WeightRegularizer: name at least one stochastic parameter, got none");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String n : names) {
      if (n == null || !seen.add(n)) {
        throw new IllegalArgumentException("WeightRegularizer: stochastic parameter " + (n == null ? "null" : "'" + n
            + "' given twice"));
      }
      if (isLogStd(n)) {
        throw new IllegalArgumentException("WeightRegularizer: '" + n + "' uses the reserved prefix " + LOG_STD_PREFIX);
      }
    }
    return List.copyOf(seen);
  }

  @Override
  public String toString() {
    return "WeightRegularizer(" + names + switch (mode) {
      case ZERO -> ", zero variance";
      case FIXED -> ", β=" + beta + ", fixed log σ=" + initialLogStd;
      case LEARNED -> ", β=" + beta + ", log σ0=" + initialLogStd;
    } + ")";
  }
}
