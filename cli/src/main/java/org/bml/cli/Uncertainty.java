package org.bml.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.predictive.GaussianOutputs;
import org.bml.algorithms.predictive.LeastSquaresModes;
import org.bml.algorithms.predictive.NoiseModel;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.algorithms.predictive.UncertaintyReport;
import org.bml.core.model.Params;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.bml.hierarchical.BmamlPosterior;

/**
 * {@code eval --uncertainty}: the predictive distribution over k sampled task hypotheses
 * ({@link Evaluation#uncertainty}) scored on the query sets, printed and returned as JSON fields.
 * Regression needs an observation-noise model for each hypothesis ({@code --noise-std}); on
 * {@code sine-and-line} the report adds mode coverage of the ambiguous tasks, whose modes are the
 * least-squares sine and line fits to the support set that stay within {@link #MODE_SUPPORT_RMS}
 * of it, on a grid of {@value #MODE_GRID} points of [−5, 5] (the tasks' input range), each
 * hypothesis assigned to its nearest mode.
 */
final class Uncertainty {
  /**
   * A family fits an ambiguous task's support set when its RMS residual is at most twice the
   * PLATIPUS noise standard deviation (0.3), i.e. within the noise.
   */
  static final double MODE_SUPPORT_RMS = 2 * SineAndLineTasks.PLATIPUS_NOISE_STD;
  static final int MODE_GRID = 101;
  private static final Pattern COVERAGE = Pattern.compile("coverage@([0-9.]+)");

  private final UncertaintyOptions options;
  private final String noise;
  private final int samples;

  private Uncertainty(UncertaintyOptions options, String noise, int samples) {
    this.options = options;
    this.noise = noise;
    this.samples = samples;
  }

  UncertaintyOptions options() {
    return options;
  }

  /** Validates a {@code --noise-std} value before anything runs: auto, support-fit, learned or a σ > 0. */
  static void checkNoiseOption(String value) {
    if (value == null || value.equals("auto") || value.equals("support-fit") || value.equals("learned")) {
      return;
    }
    double s;
    try {
      s = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new BadInputException("--noise-std " + value + ": expected a standard deviation > 0, support-fit, learned "
          + "or auto");
    }
    if (!(s > 0) || !Double.isFinite(s)) {
      throw new BadInputException("--noise-std must be finite and > 0, got " + value);
    }
  }

  /** The options for a checkpoint's experiment; {@code noiseOption} as given (null: auto). */
  static Uncertainty forEval(Experiment exp, String noiseOption, int samples, long seed) {
    checkNoiseOption(noiseOption);
    UncertaintyOptions o = UncertaintyOptions.defaults(samples, seed);
    if (exp.dataset.images()) {
      if (noiseOption != null) {
        throw new BadInputException("--noise-std applies to regression only; " + exp.dataset.name()
            + " is classification");
      }
      return new Uncertainty(o, null, samples);
    }
    Noise noise = noise(exp, noiseOption);
    o = o.withNoise(noise.model());
    if (exp.config.dataset().equals("sine-and-line")) {
      o = o.withModes(LeastSquaresModes.sineAndLine(-5, 5, MODE_GRID, MODE_SUPPORT_RMS), Double.POSITIVE_INFINITY);
    }
    return new Uncertainty(o, noise.label(), samples);
  }

  /** A regression noise model and how it is described. */
  record Noise(NoiseModel model, String label) {}

  /** The noise model a {@code --noise-std} value (null: auto) names, for a regression experiment. */
  static Noise noise(Experiment exp, String option) {
    checkNoiseOption(option);
    boolean learns = BayesianMethods.learnsNoise(exp.learner) || exp.learner instanceof GaussianOutputs;
    String n = option == null || option.equals("auto") ? (learns ? "learned" : "support-fit") : option;
    if (n.equals("learned") && exp.learner instanceof GaussianOutputs) {
      // Neural and Gaussian processes predict σ²(x) per point themselves.
      return new Noise(NoiseModel.learnerVariance(), "learned per point");
    }
    if (n.equals("learned")) {
      if (!learns) {
        throw new BadInputException("--noise-std learned needs a method with a learned noise precision (bmaml with "
            + "--hp target=gamma-priors on regression); " + exp.config.method() + " has none: use support-fit or a "
            + "number");
      }
      return new Noise(NoiseModel.logPrecision(BmamlPosterior.LOG_GAMMA), n);
    }
    if (n.equals("support-fit")) {
      return new Noise(NoiseModel.supportResiduals(UncertaintyOptions.DEFAULT_NOISE_FLOOR), n);
    }
    double s = Double.parseDouble(n);
    return new Noise(NoiseModel.fixed(s * s), "std " + n);
  }

  /** Runs the evaluation, prints one summary line, and returns the JSON fields ({@code predictive_*}). */
  Map<String, Object> evaluate(MetaLearner learner, Params meta, TaskDistribution tasks, long seed, int count,
      int batch, int steps, PrintWriter out) {
    UncertaintyReport r = Evaluation.uncertainty(learner, meta, tasks, seed, count, batch, steps, options);
    out.println("    " + describe(r));
    out.flush();
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("samples", samples);
    if (noise != null) {
      fields.put("noise", noise);
    }
    r.figures().forEach((k, v) -> fields.put("predictive_" + jsonKey(k), v));
    return fields;
  }

  private String describe(UncertaintyReport r) {
    StringBuilder b = new StringBuilder("predictive over ").append(r.hypotheses()).append(" hypothes")
        .append(r.hypotheses() == 1 ? "is" : "es");
    if (noise != null) {
      b.append(" (noise ").append(noise).append(')');
    }
    b.append(": NLL ").append(pm(r.nll()));
    if (r.mse() != null) {
      b.append(", MSE of the predictive mean ").append(pm(r.mse()));
    }
    if (r.accuracy() != null) {
      b.append(String.format(", accuracy %.2f%% ± %.2f%%", 100 * r.accuracy().mean(), 100 * r.accuracy().ci95()));
    }
    if (r.brier() != null) {
      b.append(", Brier ").append(pm(r.brier()));
    }
    if (r.calibration() != null) {
      b.append(String.format(", ECE %.4f, MCE %.4f (%d bins)", r.calibration().ece(), r.calibration().mce(),
          r.calibration().bins()));
    }
    if (!r.coverage().isEmpty()) {
      b.append("\n      coverage of the central intervals:");
      r.coverage().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.append(
          String.format(" %s%% %s;", percent(e.getKey()), pm(e.getValue()))));
      b.setLength(b.length() - 1);
    }
    if (r.modeCoverage() != null) {
      b.append(r.modeCoverage().tasks() == 0 ? "\n      mode coverage n/a (no ambiguous task)"
          : "\n      mode coverage " + pm(r.modeCoverage()) + " over " + r.modeCoverage().tasks() + " ambiguous tasks");
    }
    return b.toString();
  }

  private static String pm(Evaluation.Summary s) {
    return String.format("%.4f ± %.4f", s.mean(), s.ci95());
  }

  /** A level as a column suffix: 0.9 → {@code 90}, 0.975 → {@code 97_5}. */
  static String percentLabel(double level) {
    return percent(level).replace('.', '_');
  }

  private static String percent(double level) {
    return new java.math.BigDecimal(Double.toString(level)).movePointRight(2).stripTrailingZeros().toPlainString();
  }

  /** JSON-friendly names: {@code coverage@0.9} → {@code coverage_90}. */
  static String jsonKey(String figure) {
    Matcher m = COVERAGE.matcher(figure);
    return m.find() ? m.replaceFirst("coverage_" + percent(Double.parseDouble(m.group(1))).replace('.', '_'))
        : figure;
  }
}
