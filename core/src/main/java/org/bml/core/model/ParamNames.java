package org.bml.core.model;

/**
 * The one list of meta-parameter names and group prefixes that more than one class (or a
 * checkpoint) relies on. A meta-parameter is named {@code group + name}, where {@code name} is the
 * model's own parameter name ({@code layer<i>.weight}, {@code conv<i>.weight}, {@link #HEAD_WEIGHT}
 * …) and {@code group} one of the prefixes below; groups nest by concatenation
 * ({@code infnet.encoder.layer0.weight}). New groups use {@value #SEPARATOR} as separator.
 *
 * <p>Checkpoints store these strings, so they are never renamed: the groups written before this
 * scheme keep their separators ({@code /} for per-parameter companions, {@code :} for MR-MAML(W)'s
 * log θ_σ), marked "legacy" below. A class that owns a group re-exports its constant under a local
 * name (e.g. {@code MetaSgd.PREFIX}); nothing else spells the string.
 */
public final class ParamNames {
  /** The separator of new groups. */
  public static final String SEPARATOR = ".";

  /** {@link Conv4}'s linear head. */
  public static final String HEAD = "head" + SEPARATOR;
  public static final String HEAD_WEIGHT = HEAD + "weight";
  public static final String HEAD_BIAS = HEAD + "bias";
  /** A feature extractor before a head (VERSA). */
  public static final String BODY = "body" + SEPARATOR;
  /** The two parts of an encoder-decoder model (MR-MAML's Composed and bottleneck, neural processes). */
  public static final String ENCODER = "encoder" + SEPARATOR;
  public static final String DECODER = "decoder" + SEPARATOR;
  /** The amortised inference network (its encoder and decoder nest under it). */
  public static final String INFERENCE_NETWORK = "infnet" + SEPARATOR;

  /** The meta-learner LSTM's own weights (Ravi &amp; Larochelle 2017): its first LSTM layer and its two gates. */
  public static final String META_LEARNER = "metalearner" + SEPARATOR;

  /** Legacy: Meta-SGD's per-parameter step sizes. */
  public static final String STEP_SIZE = "lr/";
  /** Legacy: PLATIPUS's log prior variance, log posterior variance and the two mean step sizes, per parameter. */
  public static final String LOG_PRIOR_VARIANCE = "logvar_theta/";
  public static final String LOG_POSTERIOR_VARIANCE = "logvar_q/";
  public static final String GAMMA_P = "gamma_p/";
  public static final String GAMMA_Q = "gamma_q/";
  /** Legacy: MR-MAML(W)'s learned log θ_σ, per stochastic parameter. */
  public static final String LOG_STD = "mr-w.logStd:";
  /** Legacy: BMAML's and EMAML's particle groups, {@code particle<m>/}. */
  public static final String PARTICLE = "particle";
  public static final String PARTICLE_SEPARATOR = "/";

  private ParamNames() {}

  /** The group prefix of particle (ensemble member) m. */
  public static String particle(int m) {
    if (m < 0) {
      throw new IllegalArgumentException("ParamNames.particle: index must be >= 0, got " + m);
    }
    return PARTICLE + m + PARTICLE_SEPARATOR;
  }
}
