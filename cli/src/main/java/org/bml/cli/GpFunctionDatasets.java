package org.bml.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.datasets.TaskKind;
import org.bml.datasets.synthetic.GpFunctionTasks;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code --dataset gp-functions}: 1-d functions drawn from a Gaussian process with an RBF kernel on
 * {@code x ∈ [−2, 2]}, the regression data of the neural-process papers (Garnelo et al. ICML 2018),
 * {@link GpFunctionTasks}. Options go in the name, {@code gp-functions:lengthscale=0.4,variance=1,noise=0.02}
 * (recorded in the checkpoint with it): {@value #OPTIONS_TEXT}. Every task is a fresh function; the
 * splits differ by their seeds only.
 */
final class GpFunctionDatasets {
  static final String NAME = "gp-functions";
  static final String OPTIONS_TEXT = "lengthscale ℓ > 0 (default 0.4), variance σ² > 0 (1), noise: observation "
      + "noise standard deviation s >= 0 (0.02)";

  private GpFunctionDatasets() {}

  record Options(double lengthscale, double variance, double noise) {
    static final Options DEFAULT = new Options(GpFunctionTasks.DEFAULT_LENGTHSCALE, GpFunctionTasks.DEFAULT_VARIANCE,
        GpFunctionTasks.DEFAULT_NOISE_STD);

    static Options parse(String text) {
      Map<String, String> given = new LinkedHashMap<>();
      for (String part : text.split(",", -1)) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw new BadInputException("dataset " + NAME + ": option '" + part + "' is not NAME=VALUE (" + OPTIONS_TEXT
              + ")");
        }
        String key = part.substring(0, eq).strip();
        if (given.put(key, part.substring(eq + 1).strip()) != null) {
          throw new BadInputException("dataset " + NAME + ": option '" + key + "' given twice");
        }
      }
      double ell = DEFAULT.lengthscale;
      double s2 = DEFAULT.variance;
      double noise = DEFAULT.noise;
      for (Map.Entry<String, String> e : given.entrySet()) {
        switch (e.getKey()) {
          case "lengthscale" -> ell = real(e.getKey(), e.getValue(), false);
          case "variance" -> s2 = real(e.getKey(), e.getValue(), false);
          case "noise" -> noise = real(e.getKey(), e.getValue(), true);
          default -> throw new BadInputException("dataset " + NAME + ": unknown option '" + e.getKey() + "' ("
              + OPTIONS_TEXT + ")");
        }
      }
      return new Options(ell, s2, noise);
    }

    private static double real(String key, String v, boolean zeroAllowed) {
      double x;
      try {
        x = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new BadInputException("dataset " + NAME + ": " + key + "=" + v + ": not a number");
      }
      if (!Double.isFinite(x) || x < 0 || (x == 0 && !zeroAllowed)) {
        throw new BadInputException("dataset " + NAME + ": " + key + "=" + v + ": must be finite and "
            + (zeroAllowed ? ">= 0" : "> 0"));
      }
      return x;
    }
  }

  static void registerAll() {
    Datasets.register(dataset(NAME, Options.DEFAULT));
    Datasets.registerFamily(NAME, text -> dataset(NAME + ":" + text, Options.parse(text)));
  }

  private static Datasets.Dataset dataset(String name, Options o) {
    return new Datasets.Dataset(name, String.format("1-d functions from a GP, RBF kernel ℓ = %s, σ² = %s, noise %s, "
        + "x in [-2, 2] (Garnelo et al. 2018); options %s:NAME=VALUE,... (%s)", o.lengthscale(), o.variance(),
        o.noise(), NAME, OPTIONS_TEXT), TaskKind.REGRESSION, new long[] {1},
        new Datasets.Defaults(1, 10, 10, 0.01, 25, 4000), 0, (e, s, seed) -> {
          GpFunctionTasks t = new GpFunctionTasks(e.shots(), e.queries(), o.lengthscale(), o.variance(), o.noise(),
              DataType.FLOAT);
          return new Datasets.TaskSet(t, Map.of("train", t, "val", t, "test", t));
        });
  }
}
