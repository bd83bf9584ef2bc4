package org.bml.algorithms.predictive;

import java.util.Arrays;

/**
 * Settings of {@link org.bml.algorithms.Evaluation#uncertainty}.
 *
 * @param hypotheses k, the number of task hypotheses to sample per task (point estimates give one)
 * @param seed the hypotheses' sampling seed; each evaluation batch samples with a seed derived
 *     from (seed, index of its first task), so results depend on the batch size for stochastic methods
 * @param noise the regression observation noise (ignored for classification)
 * @param coverageLevels the levels c in (0, 1) of the central intervals whose coverage is reported
 * @param bins the number of equal-width confidence bins of ECE and MCE
 * @param modes the candidate modes of ambiguous regression tasks, or null for no mode coverage
 * @param modeThreshold the distance threshold of {@link UncertaintyMetrics#modeCoverage} (+∞: none)
 */
public record UncertaintyOptions(int hypotheses, long seed, NoiseModel noise, double[] coverageLevels, int bins,
    TaskModes modes, double modeThreshold) {
  /** The default interval levels. */
  public static final double[] DEFAULT_LEVELS = {0.5, 0.9, 0.95};
  /**
   * The floor of the default noise model ({@link NoiseModel#supportResiduals}): only keeps σ²
   * positive when a hypothesis interpolates its support set.
   */
  public static final double DEFAULT_NOISE_FLOOR = 1e-6;

  public UncertaintyOptions {
    if (hypotheses <= 0) {
      throw new IllegalArgumentException("UncertaintyOptions: hypotheses must be positive, got " + hypotheses);
    }
    if (noise == null) {
      throw new IllegalArgumentException("UncertaintyOptions: a noise model must be given (see NoiseModel)");
    }
    if (coverageLevels == null) {
      throw new IllegalArgumentException("UncertaintyOptions: coverage levels must be given (may be empty)");
    }
    coverageLevels = coverageLevels.clone();
    for (double c : coverageLevels) {
      if (!(c > 0 && c < 1)) {
        throw new IllegalArgumentException("UncertaintyOptions: coverage level must be in (0, 1), got " + c);
      }
    }
    if (Arrays.stream(coverageLevels).distinct().count() != coverageLevels.length) {
      throw new IllegalArgumentException("UncertaintyOptions: coverage levels must be distinct, got "
          + Arrays.toString(coverageLevels));
    }
    if (bins <= 0) {
      throw new IllegalArgumentException("UncertaintyOptions: number of bins must be positive, got " + bins);
    }
    if (!(modeThreshold > 0)) {
      throw new IllegalArgumentException("UncertaintyOptions: mode threshold must be > 0 (+∞ allowed), got "
          + modeThreshold);
    }
  }

  /**
   * k hypotheses, noise σ² fitted per hypothesis and task on the support set (floor
   * {@value #DEFAULT_NOISE_FLOOR}), levels 0.5/0.9/0.95, 15 bins, no modes.
   */
  public static UncertaintyOptions defaults(int hypotheses, long seed) {
    return new UncertaintyOptions(hypotheses, seed, NoiseModel.supportResiduals(DEFAULT_NOISE_FLOOR), DEFAULT_LEVELS,
        UncertaintyMetrics.DEFAULT_BINS, null, Double.POSITIVE_INFINITY);
  }

  @Override
  public double[] coverageLevels() {
    return coverageLevels.clone();
  }

  public UncertaintyOptions withNoise(NoiseModel noise) {
    return new UncertaintyOptions(hypotheses, seed, noise, coverageLevels, bins, modes, modeThreshold);
  }

  public UncertaintyOptions withCoverageLevels(double... levels) {
    return new UncertaintyOptions(hypotheses, seed, noise, levels, bins, modes, modeThreshold);
  }

  public UncertaintyOptions withBins(int bins) {
    return new UncertaintyOptions(hypotheses, seed, noise, coverageLevels, bins, modes, modeThreshold);
  }

  public UncertaintyOptions withModes(TaskModes modes, double threshold) {
    return new UncertaintyOptions(hypotheses, seed, noise, coverageLevels, bins, modes, threshold);
  }
}
