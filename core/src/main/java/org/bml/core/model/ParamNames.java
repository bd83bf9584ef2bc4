package org.bml.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one list of meta-parameter names and group prefixes that more than one class (or a
 * checkpoint) relies on, in one naming scheme: a meta-parameter is named {@code group + name},
 * where {@code name} is the model's own parameter name ({@code layer<i>.weight},
 * {@code conv<i>.weight}, {@link #HEAD_WEIGHT} …) and every group is a word followed by the one
 * separator {@value #SEPARATOR}; groups nest by concatenation ({@code infnet.encoder.layer0.weight},
 * {@code particle2.layer0.weight}, {@code mr-w.logStd.encoder.layer0.weight}). A class that owns a
 * group re-exports its constant under a local name (e.g. {@code MetaSgd.PREFIX}); nothing else
 * spells the string.
 *
 * <p>Before configuration layout 3 (see {@code RunConfig.LAYOUT} in the CLI) some groups used
 * {@code /} or {@code :} ({@code lr/}, {@code logvar_theta/}, {@code particle<m>/},
 * {@code mr-w.logStd:} …, the {@link #LEGACY} table). Checkpoints hold θ as one flat array, so the
 * only names they record are the prefixes of a {@code --outer-optimizer PREFIX=KIND} entry;
 * {@link #fromLegacy} maps those on load.
 */
public final class ParamNames {
  /** The separator of every group. */
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
  /** Meta-SGD's per-parameter step sizes. */
  public static final String STEP_SIZE = "lr" + SEPARATOR;
  /** PLATIPUS's log prior variance, log posterior variance and the two mean step sizes, per parameter. */
  public static final String LOG_PRIOR_VARIANCE = "logvar_theta" + SEPARATOR;
  public static final String LOG_POSTERIOR_VARIANCE = "logvar_q" + SEPARATOR;
  public static final String GAMMA_P = "gamma_p" + SEPARATOR;
  public static final String GAMMA_Q = "gamma_q" + SEPARATOR;
  /** MR-MAML(W)'s learned log θ_σ, per stochastic parameter. */
  public static final String LOG_STD = "mr-w.logStd" + SEPARATOR;
  /** ABML's prior log-variances log σ²_θ, per parameter. */
  public static final String ABML_LOG_VARIANCE = "abml.logvar" + SEPARATOR;
  /** BMAML's and EMAML's particle groups, {@code particle<m>.}: see {@link #particle}. */
  public static final String PARTICLE = "particle";

  /**
   * Legacy group prefix → current one, for the fixed-name groups that used another separator
   * before configuration layout 3. Particle groups ({@code particle<m>/}) are matched by pattern.
   */
  public static final Map<String, String> LEGACY = legacyTable();

  private static final Pattern LEGACY_PARTICLE = Pattern.compile("^" + PARTICLE + "(\\d{1,9})/");
  private static final Pattern PARTICLE_GROUP = Pattern.compile("^" + PARTICLE + "\\d+" + Pattern.quote(SEPARATOR));
  // Groups that other groups may nest under (checked after the legacy table, so mr-w.logStd: is legacy).
  private static final List<String> CURRENT = List.of(HEAD, BODY, ENCODER, DECODER, INFERENCE_NETWORK, STEP_SIZE,
      LOG_PRIOR_VARIANCE, LOG_POSTERIOR_VARIANCE, GAMMA_P, GAMMA_Q, LOG_STD, ABML_LOG_VARIANCE, META_LEARNER);

  private ParamNames() {}

  private static Map<String, String> legacyTable() {
    String[][] rows = {{"lr/", STEP_SIZE}, {"logvar_theta/", LOG_PRIOR_VARIANCE}, {"logvar_q/", LOG_POSTERIOR_VARIANCE},
        {"gamma_p/", GAMMA_P}, {"gamma_q/", GAMMA_Q}, {"mr-w.logStd:", LOG_STD}, {"abml.logvar/", ABML_LOG_VARIANCE}};
    Map<String, String> m = new LinkedHashMap<>();
    for (String[] row : rows) {
      m.put(row[0], row[1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The group prefix of particle (ensemble member) m. */
  public static String particle(int m) {
    if (m < 0) {
      throw new IllegalArgumentException("ParamNames.particle: index must be >= 0, got " + m);
    }
    return PARTICLE + m + SEPARATOR;
  }

  /**
   * A meta-parameter name, or a prefix of one, in the current scheme: every legacy group
   * ({@link #LEGACY}, {@code particle<m>/}) at the front, and nested under any group, is replaced
   * by its current spelling; anything else is returned unchanged (so the map is the identity on
   * current names).
   */
  public static String fromLegacy(String name) {
    if (name == null) {
      throw new IllegalArgumentException("ParamNames.fromLegacy: name is null");
    }
    StringBuilder out = new StringBuilder();
    String rest = name;
    while (true) {
      String group = null;
      String mapped = null;
      for (Map.Entry<String, String> e : LEGACY.entrySet()) {
        if (rest.startsWith(e.getKey())) {
          group = e.getKey();
          mapped = e.getValue();
          break;
        }
      }
      Matcher p = LEGACY_PARTICLE.matcher(rest);
      if (group == null && p.find()) {
        group = p.group();
        mapped = particle(Integer.parseInt(p.group(1)));
      }
      if (group == null) {
        Matcher c = PARTICLE_GROUP.matcher(rest);
        group = c.find() ? c.group() : CURRENT.stream().filter(rest::startsWith).findFirst().orElse(null);
        mapped = group;
      }
      if (group == null) {
        return out.append(rest).toString();
      }
      out.append(mapped);
      rest = rest.substring(group.length());
    }
  }

  /** Whether {@code name} (or a prefix of one) contains a legacy group, i.e. {@link #fromLegacy} changes it. */
  public static boolean isLegacy(String name) {
    return !fromLegacy(name).equals(name);
  }
}
