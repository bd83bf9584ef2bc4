package org.bml.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import org.bml.algorithms.learnedopt.HandDesigned;
import org.bml.algorithms.learnedopt.LstmOptimizer;
import org.bml.algorithms.learnedopt.LstmOptimizerTrainer;
import org.bml.algorithms.learnedopt.MlpClassification;
import org.bml.algorithms.learnedopt.Optimizee;
import org.bml.algorithms.learnedopt.Quadratics;
import org.bml.algorithms.learnedopt.UpdateRule;
import org.bml.core.model.Params;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bml l2l}: Andrychowicz et al.'s Fig. 2 (NeurIPS 2016, arXiv:1606.04474) on random 10-d
 * quadratics, or with {@code --problem mlp} their Fig. 4 on a small MLP (one hidden layer of 20
 * sigmoid units; a synthetic 10-class stand-in for MNIST, see {@link MlpClassification}).
 * Meta-trains the coordinate-wise LSTM optimizer by truncated BPTT, tunes SGD, momentum, NAG
 * (Nesterov), Adam and RMSprop over a step-size grid on separate tuning problems, and prints and
 * plots the mean loss of each over the optimization steps on held-out problems.
 *
 * <p>A subcommand of its own, not a {@code train --method}: a learned optimizer's meta-parameters
 * are an update rule and its tasks are objectives without a support/query split; it is scored by
 * a loss curve over optimizer steps, not by a query loss after adaptation, so the MetaLearner,
 * checkpoint and {@code eval} machinery does not apply.
 */
@Command(name = "l2l", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Learning to learn by gradient descent by gradient descent (Andrychowicz et al. 2016) on random "
        + "10-d quadratics (Fig. 2) or a small sigmoid MLP (Fig. 4, --problem mlp): meta-train the coordinate-wise "
        + "LSTM optimizer, then compare its loss curve on held-out problems with SGD, momentum, NAG, Adam and "
        + "RMSprop (step sizes tuned on a grid). Writes " + L2lCommand.PLOT + " and " + L2lCommand.CSV
        + " (or " + L2lCommand.MLP_PLOT + " and " + L2lCommand.MLP_CSV + ") into --out."})
public final class L2lCommand implements Callable<Integer> {
  static final String PLOT = "l2l-quadratics.png";
  static final String CSV = "l2l-curves.csv";
  static final String MLP_PLOT = "l2l-mlp.png";
  static final String MLP_CSV = "l2l-mlp-curves.csv";
  static final double[] GRID = {1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0};

  @Spec
  CommandSpec spec;

  @Option(names = "--problem", paramLabel = "P",
      description = "optimizee: quadratics (Fig. 2: 10-d ‖Wθ − y‖²) or mlp (Fig. 4: 20 sigmoid units, 10 classes, "
          + "batch 128 of a synthetic Gaussian-mixture stand-in for MNIST) (default ${DEFAULT-VALUE})")
  String problem = "quadratics";

  @Option(names = "--epochs", paramLabel = "N", description = "meta-training epochs (default ${DEFAULT-VALUE})")
  int epochs = 100;

  @Option(names = "--tasks", paramLabel = "N", description = "problems per meta-batch (paper 128; default ${DEFAULT-VALUE})")
  int tasks = 32;

  @Option(names = "--horizon", paramLabel = "N", description = "optimizer steps per epoch (paper 100; default ${DEFAULT-VALUE})")
  int horizon = 100;

  @Option(names = "--unroll", paramLabel = "N", description = "steps per truncated BPTT (paper 20; default ${DEFAULT-VALUE})")
  int unroll = 20;

  @Option(names = "--hidden", paramLabel = "H", description = "units of each of the 2 LSTM layers (paper 20; default ${DEFAULT-VALUE})")
  int hidden = 20;

  @Option(names = "--preprocessing", paramLabel = "P",
      description = "LSTM input: log-sign (the paper's, p = 10) or none (default ${DEFAULT-VALUE})")
  String preprocessing = "log-sign";

  @Option(names = "--output-scale", paramLabel = "S", description = "scale of the LSTM's output (paper 0.1; default ${DEFAULT-VALUE})")
  double outputScale = 0.1;

  @Option(names = "--meta-lr", paramLabel = "LR", description = "Adam step size on the LSTM's weights (default ${DEFAULT-VALUE})")
  double metaLr = 0.003;

  @Option(names = "--second-derivatives", description = "keep ∇f(θ) on the tape (the paper drops it)")
  boolean secondDerivatives;

  @Option(names = "--test-tasks", paramLabel = "N", description = "held-out problems (default ${DEFAULT-VALUE})")
  int testTasks = 128;

  @Option(names = "--steps", paramLabel = "N", description = "optimizer steps of the comparison (paper 100; default ${DEFAULT-VALUE})")
  int steps = 100;

  @Option(names = "--seed", paramLabel = "S", description = "seed of φ and of all problems (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--out", paramLabel = "DIR", description = "directory for the plot and the CSV (default ${DEFAULT-VALUE})")
  Path out = Path.of("bml-out");

  @Override
  public Integer call() {
    RunConfig.atLeast("--epochs", epochs, 1);
    RunConfig.atLeast("--tasks", tasks, 1);
    RunConfig.atLeast("--horizon", horizon, 1);
    RunConfig.atLeast("--unroll", unroll, 1);
    RunConfig.atLeast("--hidden", hidden, 1);
    RunConfig.atLeast("--test-tasks", testTasks, 1);
    RunConfig.atLeast("--steps", steps, 1);
    RunConfig.positive("--output-scale", outputScale);
    RunConfig.positive("--meta-lr", metaLr);
    if (tasks > 4096 || testTasks > 4096 || hidden > 1024 || horizon > 100_000 || steps > 100_000) {
      throw new BadInputException("sizes too large: --tasks/--test-tasks at most 4096, --hidden at most 1024, "
          + "--horizon/--steps at most 100000");
    }
    if (horizon % unroll != 0) {
      throw new BadInputException("--unroll " + unroll + " must divide --horizon " + horizon);
    }
    LstmOptimizer.Preprocessing pre = switch (preprocessing) {
      case "log-sign" -> LstmOptimizer.Preprocessing.LOG_AND_SIGN;
      case "none" -> LstmOptimizer.Preprocessing.NONE;
      default -> throw new BadInputException("--preprocessing must be log-sign or none, got '" + preprocessing + "'");
    };
    boolean mlp = switch (problem) {
      case "quadratics" -> false;
      case "mlp" -> true;
      default -> throw new BadInputException("--problem must be quadratics or mlp, got '" + problem + "'");
    };
    Plots.checkDirectory("--out", out);
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();

    LstmOptimizer model = new LstmOptimizer(hidden, pre, outputScale);
    long start = System.nanoTime();
    int every = Math.max(1, epochs / 10);
    // Disjoint task streams: seed (training), seed + 1 (tuning of the baselines), seed + 2 (held out).
    LstmOptimizerTrainer.Result trained = LstmOptimizerTrainer.train(model, model.init(seed),
        e -> problems(mlp, seed, e * (long) tasks, tasks),
        new LstmOptimizerTrainer.Config(epochs, horizon, unroll, metaLr, 0, secondDerivatives), (e, loss) -> {
          if (e % every == 0 || e == epochs - 1) {
            stderr.printf(Locale.ROOT, "l2l: epoch %d/%d meta-loss %.4f (%.0f s)%n", e + 1, epochs, loss,
                (System.nanoTime() - start) / 1e9);
            stderr.flush();
          }
        });
    double trainSeconds = (System.nanoTime() - start) / 1e9;

    Optimizee tuning = problems(mlp, seed + 1, 0, Math.min(testTasks, 64));
    Optimizee heldOut = problems(mlp, seed + 2, 0, testTasks);
    String what = mlp ? "MLPs" : "quadratics";
    LinkedHashMap<String, UpdateRule> rules = new LinkedHashMap<>();
    rules.put("LSTM", model.rule("LSTM", trained.phi()));
    rules.put("SGD", tune(HandDesigned::sgd, tuning));
    rules.put("momentum 0.9", tune(lr -> HandDesigned.momentum(lr, 0.9), tuning));
    rules.put("NAG 0.9", tune(lr -> HandDesigned.nesterov(lr, 0.9), tuning));
    rules.put("Adam", tune(HandDesigned::adam, tuning));
    rules.put("RMSprop", tune(HandDesigned::rmsprop, tuning));
    LinkedHashMap<String, double[]> curves = new LinkedHashMap<>();
    rules.forEach((k, r) -> curves.put(k + " (" + r.name() + ")", UpdateRule.lossCurve(r, heldOut, steps)));

    stdout.printf(Locale.ROOT, "l2l: %d epochs x %d " + what + ", horizon %d, unroll %d, hidden %d, preprocessing %s, "
        + "meta-lr %g: %.0f s%n", epochs, tasks, horizon, unroll, hidden, preprocessing, metaLr, trainSeconds);
    stdout.printf(Locale.ROOT, "mean loss on %d held-out " + what + " (seed %d):%n", testTasks, seed + 2);
    stdout.printf(Locale.ROOT, "%-6s", "step");
    for (String k : curves.keySet()) {
      stdout.printf(Locale.ROOT, " %26s", k);
    }
    stdout.println();
    for (int t = 0; t <= steps; t += Math.max(1, steps / 10)) {
      stdout.printf(Locale.ROOT, "%-6d", t);
      for (double[] c : curves.values()) {
        stdout.printf(Locale.ROOT, " %26.5g", c[t]);
      }
      stdout.println();
    }
    String best = null;
    double bestFinal = Double.POSITIVE_INFINITY;
    for (Map.Entry<String, double[]> e : curves.entrySet()) {
      if (!e.getKey().startsWith("LSTM") && e.getValue()[steps] < bestFinal) {
        bestFinal = e.getValue()[steps];
        best = e.getKey().substring(0, e.getKey().indexOf(" ("));
      }
    }
    double lstmFinal = curves.values().iterator().next()[steps];
    String headline = String.format(Locale.ROOT, "loss after %d steps: LSTM %.4g, best hand-designed (%s) %.4g", steps,
        lstmFinal, best, bestFinal);
    stdout.println("l2l: " + headline);

    StringBuilder csv = new StringBuilder("step");
    curves.keySet().forEach(k -> csv.append(',').append(k.replace(',', ' ')));
    csv.append('\n');
    for (int t = 0; t <= steps; t++) {
      csv.append(t);
      for (double[] c : curves.values()) {
        csv.append(',').append(c[t]);
      }
      csv.append('\n');
    }
    String plotName = mlp ? MLP_PLOT : PLOT;
    String csvName = mlp ? MLP_CSV : CSV;
    List<Path> written = Plots.writeAll(out, Map.of(plotName.substring(0, plotName.length() - 4),
        plot(headline, curves, "mean loss (held-out " + what + ")")));
    AtomicFiles.writeString(out.resolve(csvName), csv.toString());
    stdout.println("l2l: wrote " + written.get(0) + " and " + out.resolve(csvName));
    stdout.flush();
    return 0;
  }

  // The grid value with the lowest mean loss over the steps on the tuning problems (diverged ones lose).
  private static Optimizee problems(boolean mlp, long seed, long first, int n) {
    return mlp ? MlpClassification.sample(seed, first, n) : Quadratics.paper(seed, first, n);
  }

  private UpdateRule tune(DoubleFunction<UpdateRule> family, Optimizee tuning) {
    UpdateRule best = null;
    double bestScore = Double.POSITIVE_INFINITY;
    for (double lr : GRID) {
      UpdateRule r = family.apply(lr);
      double[] c = UpdateRule.lossCurve(r, tuning, steps);
      double s = 0;
      for (int t = 1; t <= steps; t++) {
        s += c[t];
      }
      if (Double.isFinite(s) && s < bestScore) {
        bestScore = s;
        best = r;
      }
    }
    if (best == null) {
      throw new IllegalStateException("every step size of the grid diverged");
    }
    return best;
  }

  private static BufferedImage plot(String title, Map<String, double[]> curves, String yTitle) {
    XYChart c = new XYChartBuilder().width(Plots.WIDTH).height(Plots.HEIGHT).title(title).xAxisTitle("step")
        .yAxisTitle(yTitle).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setYAxisLogarithmic(true);
    c.getStyler().setChartTitleFont(c.getStyler().getChartTitleFont().deriveFont(12f));
    int i = 0;
    for (Map.Entry<String, double[]> e : curves.entrySet()) {
      double[] y = e.getValue();
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int t = 0; t < y.length; t++) {
        if (Double.isFinite(y[t]) && y[t] > 0) {
          xs.add((double) t);
          ys.add(y[t]);
        }
      }
      XYSeries s = c.addSeries(e.getKey(), xs, ys);
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(Plots.PALETTE[i++ % Plots.PALETTE.length]);
      s.setLineStyle(new BasicStroke(i == 1 ? 2.5f : 1.5f));
    }
    return BitmapEncoder.getBufferedImage(c);
  }
}
