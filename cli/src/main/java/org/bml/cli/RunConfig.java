package org.bml.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The full configuration of a training run, as recorded in its checkpoints (so {@code eval},
 * {@code predict} and {@code --resume} rebuild the same method, model and task stream).
 *
 * @param omniglotSplit the Omniglot class split ({@code maml} or {@code vinyals}); "-" for regression
 * @param batchNorm Conv-4's batch-norm statistics ({@link #BATCH_NORM_MODES}); "-" for regression. Checkpoints
 *     written before the option existed were transductive, and read back as such
 * @param ways classes per episode; 1 for regression
 * @param chunk tasks per forward/backward pass (gradients accumulated over a meta-batch)
 * @param outerOptimizer the resolved {@code --outer-optimizer} SPEC ({@link OuterOptimizers}), never {@code auto}
 * @param clip global gradient-norm clipping threshold, 0 = off
 * @param hp the method's own hyperparameters, defaults included
 * @param recompute {@code --recompute}: {@code off}, {@code sqrt} or a segment count; checkpoints written before
 *     the option existed read back as {@code off}
 */
public record RunConfig(String method, String regularizer, String dataset, String omniglotSplit, String batchNorm,
    int ways, int shots,
    int queries, int innerSteps, double innerLr, double outerLr, String outerOptimizer, int metaBatch, int chunk,
    int iterations, long seed, double clip, String lrSchedule, Map<String, String> hp, String recompute) {
  /**
   * Version of this key layout, recorded so that a later layout can tell old checkpoints apart.
   * 2 added {@code outer-optimizer} and MR-MAML(W)'s {@code hp.learn-std}; layout 1 runs used Adam
   * and a learned σ, and read back as such. 3: parameter groups in the one naming scheme of
   * {@link org.bml.core.model.ParamNames} ({@code lr.}, {@code particle<m>.} …); a layout-2
   * {@code outer-optimizer} PREFIX in the legacy spelling ({@code lr/}, {@code particle<m>/} …) reads
   * back mapped ({@link OuterOptimizers#fromLegacy}).
   */
  static final String LAYOUT = "3";
  /** The layouts this build reads. */
  static final java.util.List<String> LAYOUTS = java.util.List.of("1", "2", LAYOUT);
  private static final String HP = "hp.";
  /** {@code --batch-norm} values: statistics over the task's examples (MAML's convention) or over one example. */
  public static final java.util.List<String> BATCH_NORM_MODES = java.util.List.of("transductive", "per-example");

  public RunConfig {
    hp = java.util.Collections.unmodifiableMap(new TreeMap<>(hp));
    recompute = recompute == null ? RECOMPUTE_OFF : recompute.strip();
  }

  /** Without {@code --recompute} (off). */
  public RunConfig(String method, String regularizer, String dataset, String omniglotSplit, String batchNorm,
      int ways, int shots, int queries, int innerSteps, double innerLr, double outerLr, String outerOptimizer,
      int metaBatch, int chunk, int iterations, long seed, double clip, String lrSchedule, Map<String, String> hp) {
    this(method, regularizer, dataset, omniglotSplit, batchNorm, ways, shots, queries, innerSteps, innerLr, outerLr,
        outerOptimizer, metaBatch, chunk, iterations, seed, clip, lrSchedule, hp, RECOMPUTE_OFF);
  }

  /** {@code --recompute} when not given: the whole inner-loop graph is kept. */
  public static final String RECOMPUTE_OFF = "off";

  /** The same configuration with another {@code --recompute}. */
  public RunConfig withRecompute(String value) {
    return new RunConfig(method, regularizer, dataset, omniglotSplit, batchNorm, ways, shots, queries, innerSteps,
        innerLr, outerLr, outerOptimizer, metaBatch, chunk, iterations, seed, clip, lrSchedule, hp, value);
  }

  /**
   * {@link #recompute} as {@code TruncatedGradientDescent} takes it: 0 off, −1 for ⌈√K⌉ segments, else the
   * segment count; a {@link BadInputException} names a malformed value.
   */
  public int recomputeSegments() {
    return parseRecompute(recompute);
  }

  static int parseRecompute(String v) {
    if (v.equals(RECOMPUTE_OFF)) {
      return 0;
    }
    if (v.equals("sqrt")) {
      return -1;
    }
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      n = 0;
    }
    if (n < 1) {
      throw new BadInputException("--recompute must be off, sqrt or a segment count >= 1, got '" + v + "'");
    }
    return n;
  }

  public Datasets.Dataset datasetEntry() {
    return Datasets.get(dataset);
  }

  public Methods.Method methodEntry() {
    return Methods.get(method);
  }

  public Datasets.Episode episode() {
    return new Datasets.Episode(ways, shots, queries);
  }

  /**
   * Checks every value before anything is built or written; each failure names the option and
   * value. Also resolves the method's hyperparameters (unknown {@code --hp} names are errors).
   */
  public HyperValues validate() {
    Methods.Method m = methodEntry();
    Regularizers.Regularizer r = Regularizers.get(regularizer);
    r.checkMethod(method);
    Datasets.Dataset d = datasetEntry();
    if (!m.kinds().contains(d.kind())) {
      throw new BadInputException("method " + method + " handles " + kinds(m) + " data sets only; " + dataset + " is "
          + d.kind().name().toLowerCase());
    }
    if (d.images()) {
      if (!Datasets.OMNIGLOT_SPLIT_SCHEMES.contains(omniglotSplit)) {
        throw new BadInputException("unknown --omniglot-split '" + omniglotSplit + "' (have: "
            + String.join(", ", Datasets.OMNIGLOT_SPLIT_SCHEMES) + ")");
      }
      if (!BATCH_NORM_MODES.contains(batchNorm)) {
        throw new BadInputException("unknown --batch-norm '" + batchNorm + "' (have: " + String.join(", ", BATCH_NORM_MODES)
            + ")");
      }
      if (ways < 2) {
        throw new BadInputException("--ways must be >= 2 for classification, got " + ways);
      }
    }
    episodeChecks(d, ways, shots, queries);
    atLeast("--inner-steps", innerSteps, 1);
    positive("--inner-lr", innerLr);
    positive("--outer-lr", outerLr);
    OuterOptimizers.parse(outerOptimizer);
    atLeast("--meta-batch", metaBatch, 1);
    if (chunk < 1 || chunk > metaBatch) {
      throw new BadInputException("--chunk must be in 1..--meta-batch (" + metaBatch + "), got " + chunk);
    }
    atLeast("--iterations", iterations, 1);
    if (!(clip >= 0) || !Double.isFinite(clip)) {
      throw new BadInputException("--clip must be finite and >= 0 (0 = off), got " + clip);
    }
    Schedules.validate(lrSchedule);
    // Whether the method can take --recompute is the learner's to say (Experiment.build).
    recomputeSegments();
    return resolveHp(m, r, hp);
  }

  /**
   * The method's and the regularizer's hyperparameters together (they share {@code --hp}); errors
   * name both when a regularizer is in use.
   */
  static HyperValues resolveHp(Methods.Method m, Regularizers.Regularizer r, Map<String, String> given) {
    java.util.List<Methods.Hyper> all = new java.util.ArrayList<>(m.hyperparameters());
    all.addAll(r.hyperparameters());
    String label = r.hyperparameters().isEmpty() ? m.name() : m.name() + " with regularizer " + r.name();
    return HyperValues.resolve(label, all, given);
  }

  /** Shots and queries against the data set (e.g. an Omniglot class has 20 drawings). */
  static void episodeChecks(Datasets.Dataset d, int ways, int shots, int queries) {
    atLeast("--shots", shots, 1);
    atLeast("--queries", queries, 1);
    if (d.examplesPerClass() > 0 && (long) shots + queries > d.examplesPerClass()) {
      throw new BadInputException("--shots " + shots + " + --queries " + queries + " = " + (shots + queries)
          + " exceeds the " + d.examplesPerClass() + " examples each " + d.name() + " class has");
    }
    if (!d.images() && ways != 1) {
      throw new BadInputException("--ways applies to classification only; " + d.name() + " is regression");
    }
  }

  static void atLeast(String option, long value, long min) {
    if (value < min) {
      throw new BadInputException(option + " must be >= " + min + ", got " + value);
    }
  }

  static void positive(String option, double value) {
    if (!(value > 0) || !Double.isFinite(value)) {
      throw new BadInputException(option + " must be finite and > 0, got " + value);
    }
    // Models compute in float32, where a larger rate is infinite (and ND4J's Adam then silently skips the update).
    if (value > Float.MAX_VALUE) {
      throw new BadInputException(option + " " + value + " exceeds the float32 range (max " + Float.MAX_VALUE + ")");
    }
  }

  private static String kinds(Methods.Method m) {
    return m.kinds().stream().map(k -> k.name().toLowerCase()).reduce((a, b) -> a + "/" + b).orElse("no");
  }

  /** The checkpoint form: flat string keys named like the options. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("layout", LAYOUT);
    m.put("method", method);
    m.put("regularizer", regularizer);
    m.put("dataset", dataset);
    m.put("omniglot-split", omniglotSplit);
    m.put("batch-norm", batchNorm);
    m.put("ways", Integer.toString(ways));
    m.put("shots", Integer.toString(shots));
    m.put("queries", Integer.toString(queries));
    m.put("inner-steps", Integer.toString(innerSteps));
    m.put("inner-lr", Double.toString(innerLr));
    m.put("outer-lr", Double.toString(outerLr));
    m.put("outer-optimizer", outerOptimizer);
    m.put("meta-batch", Integer.toString(metaBatch));
    m.put("chunk", Integer.toString(chunk));
    m.put("iterations", Integer.toString(iterations));
    m.put("seed", Long.toString(seed));
    m.put("clip", Double.toString(clip));
    m.put("lr-schedule", lrSchedule);
    hp.forEach((k, v) -> m.put(HP + k, v));
    m.put("recompute", recompute);
    return m;
  }

  /** Reads {@link #toMap()}'s form back; {@code source} (the checkpoint file) is named in errors. */
  public static RunConfig fromMap(Map<String, String> m, String source) {
    if (!m.containsKey("method") || !m.containsKey("layout")) {
      throw new BadInputException("checkpoint " + source + " was not written by ./bml train (its configuration has no "
          + "method/layout)");
    }
    boolean layout1 = "1".equals(m.get("layout"));
    if (!LAYOUTS.contains(m.get("layout"))) {
      throw new BadInputException("checkpoint " + source + " has configuration layout " + m.get("layout")
          + "; this bml reads layouts " + String.join(", ", LAYOUTS.subList(0, LAYOUTS.size() - 1)) + " and " + LAYOUT);
    }
    Map<String, String> hp = new TreeMap<>();
    m.forEach((k, v) -> {
      if (k.startsWith(HP)) {
        hp.put(k.substring(HP.length()), v);
      }
    });
    String outerOptimizer;
    if (layout1) {
      // Before layout 2 every run used Adam, and MR-MAML(W) learned log σ.
      outerOptimizer = "adam";
      if ("mr-w".equals(m.get("regularizer"))) {
        hp.putIfAbsent("learn-std", "true");
      }
    } else {
      outerOptimizer = need(m, "outer-optimizer", source);
      if (!LAYOUT.equals(m.get("layout"))) {
        outerOptimizer = OuterOptimizers.fromLegacy(outerOptimizer);
      }
    }
    try {
      return new RunConfig(need(m, "method", source), need(m, "regularizer", source), need(m, "dataset", source),
          need(m, "omniglot-split", source), batchNorm(m), Integer.parseInt(need(m, "ways", source)),
          Integer.parseInt(need(m, "shots", source)), Integer.parseInt(need(m, "queries", source)),
          Integer.parseInt(need(m, "inner-steps", source)), Double.parseDouble(need(m, "inner-lr", source)),
          Double.parseDouble(need(m, "outer-lr", source)), outerOptimizer,
          Integer.parseInt(need(m, "meta-batch", source)),
          Integer.parseInt(need(m, "chunk", source)), Integer.parseInt(need(m, "iterations", source)),
          Long.parseLong(need(m, "seed", source)), Double.parseDouble(need(m, "clip", source)),
          need(m, "lr-schedule", source), hp, m.getOrDefault("recompute", RECOMPUTE_OFF));
    } catch (NumberFormatException e) {
      throw new BadInputException("checkpoint " + source + " has a malformed configuration value (" + e.getMessage()
          + ")");
    }
  }

  // Before --batch-norm every image run normalised over the task's examples.
  private static String batchNorm(Map<String, String> m) {
    String v = m.get("batch-norm");
    if (v != null) {
      return v;
    }
    return "-".equals(m.get("omniglot-split")) ? "-" : "transductive";
  }

  /** Conv-4's policy for {@link #batchNorm}. */
  public org.bml.core.model.Conv4.BatchNorm conv4BatchNorm() {
    return batchNorm.equals("per-example") ? org.bml.core.model.Conv4.BatchNorm.PER_EXAMPLE
        : org.bml.core.model.Conv4.BatchNorm.TRANSDUCTIVE;
  }

  private static String need(Map<String, String> m, String key, String source) {
    String v = m.get(key);
    if (v == null) {
      throw new BadInputException("checkpoint " + source + ": configuration lacks '" + key + "'");
    }
    return v;
  }
}
