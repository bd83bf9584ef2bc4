package org.bml.cli;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.bml.algorithms.rl.Grbal;
import org.bml.algorithms.rl.Pendulum;
import org.bml.core.model.Params;
import org.bml.datasets.Seeds;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml grbal}: GrBAL (Nagabandi et al., "Learning to Adapt in Dynamic, Real-World
 * Environments through Meta-Reinforcement Learning", ICLR 2019) on the pendulum family of
 * {@link Pendulum}: meta-trains the dynamics model ({@link Grbal}) and, on the same data, the
 * non-adaptive model (plain prediction loss), then runs random-shooting MPC on held-out tasks with
 * (1) GrBAL adapting every step, (2) GrBAL's meta-parameters without adapting, (3) the
 * non-adaptive model and (4) the true dynamics. Prints return and one-step prediction error per
 * controller, writes {@code OUT/grbal.csv} (per task) and {@code OUT/grbal-return.png},
 * {@code OUT/grbal-error.png}.
 */
@Command(name = "grbal", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"GrBAL (Nagabandi et al. 2019): a dynamics model meta-trained with MAML to adapt in one gradient "
        + "step, on a pendulum with per-task mass, length and friction; MPC (random shooting) with the adapted model "
        + "vs. a non-adaptive model on held-out tasks."})
final class GrbalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--train-tasks", paramLabel = "N", description = "training tasks (default ${DEFAULT-VALUE})")
  int trainTasks = 40;
  @Option(names = "--rollout-steps", paramLabel = "N",
      description = "random-torque steps collected per training task (default ${DEFAULT-VALUE})")
  int rolloutSteps = 200;
  @Option(names = "--iterations", paramLabel = "N", description = "meta-iterations (default ${DEFAULT-VALUE})")
  int iterations = 1500;
  @Option(names = "--meta-batch", paramLabel = "T", description = "segments per meta-batch (default ${DEFAULT-VALUE})")
  int metaBatch = 16;
  @Option(names = "--past", paramLabel = "M", description = "transitions adapted on (default ${DEFAULT-VALUE})")
  int past = 16;
  @Option(names = "--future", paramLabel = "K", description = "transitions predicted (default ${DEFAULT-VALUE})")
  int future = 16;
  @Option(names = "--inner-lr", paramLabel = "ALPHA", description = "inner step size, 0 = no adaptation (default ${DEFAULT-VALUE})")
  double innerLr = 0.1;
  @Option(names = "--outer-lr", paramLabel = "LR", description = "Adam step (default ${DEFAULT-VALUE})")
  double outerLr = 3e-3;
  @Option(names = "--hidden", paramLabel = "W,...", split = ",", description = "hidden widths (default 64,64)")
  int[] hidden = {64, 64};
  @Option(names = "--test-tasks", paramLabel = "N", description = "held-out tasks (default ${DEFAULT-VALUE})")
  int testTasks = 8;
  @Option(names = "--candidates", paramLabel = "N", description = "MPC action sequences (default ${DEFAULT-VALUE})")
  int candidates = 200;
  @Option(names = "--horizon", paramLabel = "H", description = "MPC horizon (default ${DEFAULT-VALUE})")
  int horizon = 15;
  @Option(names = "--planner", paramLabel = "KIND",
      description = "MPC planner: random (random shooting, the paper's) or cem (cross-entropy method) (default ${DEFAULT-VALUE})")
  String planner = "random";
  @Option(names = "--cem-iterations", paramLabel = "I", description = "CEM rounds per step (default ${DEFAULT-VALUE})")
  int cemIterations = 4;
  @Option(names = "--elites", paramLabel = "E", description = "CEM elite sequences per round (default ${DEFAULT-VALUE})")
  int elites = 20;
  @Option(names = "--episode-steps", paramLabel = "N", description = "steps per test episode (default ${DEFAULT-VALUE})")
  int episodeSteps = 100;
  @Option(names = "--seed", paramLabel = "S", description = "random seed (default ${DEFAULT-VALUE})")
  long seed = 1;
  @Option(names = "--out", paramLabel = "DIR", description = "output directory (default ${DEFAULT-VALUE})")
  Path out = Path.of("bml-grbal");

  @Override
  public Integer call() {
    RunConfig.atLeast("--train-tasks", trainTasks, 1);
    RunConfig.atLeast("--iterations", iterations, 1);
    RunConfig.atLeast("--meta-batch", metaBatch, 1);
    RunConfig.atLeast("--past", past, 1);
    RunConfig.atLeast("--future", future, 1);
    RunConfig.atLeast("--rollout-steps", rolloutSteps, past + future);
    RunConfig.atLeast("--test-tasks", testTasks, 2);
    RunConfig.atLeast("--candidates", candidates, 1);
    RunConfig.atLeast("--horizon", horizon, 1);
    RunConfig.atLeast("--episode-steps", episodeSteps, 1);
    if (!planner.equals("random") && !planner.equals("cem")) {
      throw new BadInputException("--planner must be random or cem, got '" + planner + "'");
    }
    RunConfig.atLeast("--cem-iterations", cemIterations, 1);
    RunConfig.atLeast("--elites", elites, 1);
    if (planner.equals("cem") && elites > candidates) {
      throw new BadInputException("--elites " + elites + " is more than --candidates " + candidates);
    }
    if (!(innerLr >= 0) || !Double.isFinite(innerLr)) {
      throw new BadInputException("--inner-lr must be finite and >= 0, got " + innerLr);
    }
    RunConfig.positive("--outer-lr", outerLr);
    if (hidden.length == 0) {
      throw new BadInputException("--hidden needs at least one width");
    }
    for (int h : hidden) {
      RunConfig.atLeast("--hidden", h, 1);
    }
    Plots.checkDirectory("--out", out);
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Grbal grbal = new Grbal(new Grbal.Config(hidden, past, future, innerLr));
    List<Grbal.Rollout> data = new ArrayList<>();
    for (int t = 0; t < trainTasks; t++) {
      data.add(Grbal.randomRollout(Pendulum.task(Pendulum.Ranges.DEFAULT, seed, t), rolloutSteps,
          new SplittableRandom(Seeds.streamSeed(seed, t))));
    }
    long t0 = System.nanoTime();
    double[] metaLosses = new double[iterations];
    Params meta = grbal.train(data, new Grbal.Training(iterations, metaBatch, outerLr, seed), true, DataType.FLOAT,
        metaLosses);
    double[] plainLosses = new double[iterations];
    Params plain = grbal.train(data, new Grbal.Training(iterations, metaBatch, outerLr, seed), false, DataType.FLOAT,
        plainLosses);
    err.printf("grbal: trained both models (%d iterations x %d segments) in %.1f s; final losses: meta %.5f, plain %.5f%n",
        iterations, metaBatch, (System.nanoTime() - t0) / 1e9, tail(metaLosses), tail(plainLosses));
    err.flush();
    Grbal.Mpc mpc = planner.equals("cem") ? new Grbal.Mpc(candidates, horizon, episodeSteps, cemIterations, elites)
        : new Grbal.Mpc(candidates, horizon, episodeSteps);
    String[] names = {"GrBAL (adapted every step)", "GrBAL meta-model, not adapted", "non-adaptive model",
        "true dynamics"};
    double[][] returns = new double[4][testTasks];
    double[][] errors = new double[3][testTasks];
    StringBuilder csv = new StringBuilder("task,mass,length,friction,return_grbal,return_grbal_unadapted,"
        + "return_nonadaptive,return_true_model,error_grbal,error_grbal_unadapted,error_nonadaptive\n");
    long testSeed = seed + Datasets.TEST_SEED_OFFSET;
    for (int t = 0; t < testTasks; t++) {
      Pendulum.Dynamics d = Pendulum.task(Pendulum.Ranges.DEFAULT, testSeed, t);
      long episodeSeed = Seeds.streamSeed(testSeed, 1_000_000L + t);
      double[] e = new double[1];
      returns[0][t] = grbal.control(meta, d, mpc, true, episodeSeed, e).totalReward();
      errors[0][t] = e[0];
      returns[1][t] = grbal.control(meta, d, mpc, false, episodeSeed, e).totalReward();
      errors[1][t] = e[0];
      returns[2][t] = grbal.control(plain, d, mpc, false, episodeSeed, e).totalReward();
      errors[2][t] = e[0];
      returns[3][t] = Grbal.controlWithTrueModel(d, mpc, episodeSeed).totalReward();
      csv.append(String.format("%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.6g,%.6g,%.6g%n", t, d.mass(), d.length(),
          d.friction(), returns[0][t], returns[1][t], returns[2][t], returns[3][t], errors[0][t], errors[1][t],
          errors[2][t]));
      err.printf("grbal: test task %d/%d (m=%.2f, l=%.2f, b=%.2f): returns %.1f / %.1f / %.1f / %.1f%n", t + 1, testTasks,
          d.mass(), d.length(), d.friction(), returns[0][t], returns[1][t], returns[2][t], returns[3][t]);
      err.flush();
    }
    String plannerText = planner.equals("cem") ? String.format("CEM %d rounds x %d sequences x %d steps, %d elites",
        cemIterations, candidates, horizon, elites) : String.format("random shooting %d x %d", candidates, horizon);
    o.printf("GrBAL on the pendulum: %d held-out tasks, %d-step episodes, MPC %s (mean ± 95%% CI over tasks)%n",
        testTasks, episodeSteps, plannerText);
    o.printf("%-32s %20s %26s%n", "controller", "return", "one-step prediction MSE");
    for (int i = 0; i < 4; i++) {
      double[] r = meanCi(returns[i]);
      String pe = i < 3 ? String.format("%.3g ± %.2g", meanCi(errors[i])[0], meanCi(errors[i])[1]) : "-";
      o.printf("%-32s %12.1f ± %5.1f %26s%n", names[i], r[0], r[1], pe);
    }
    double[] diff = new double[testTasks];
    for (int t = 0; t < testTasks; t++) {
      diff[t] = returns[0][t] - returns[2][t];
    }
    double[] dc = meanCi(diff);
    o.printf("paired difference GrBAL - non-adaptive: %.1f ± %.1f%n", dc[0], dc[1]);
    Map<String, BufferedImage> images = new LinkedHashMap<>();
    images.put("grbal-return", bars("MPC return on held-out pendulum tasks (higher is better)", "return", names,
        returns));
    images.put("grbal-error", bars("one-step prediction error of the model MPC used", "MSE of (Δθ, Δω)",
        new String[] {names[0], names[1], names[2]}, errors));
    List<Path> written = new ArrayList<>(Plots.writeAll(out, images));
    Path file = out.resolve("grbal.csv");
    AtomicFiles.write(file, s -> s.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    written.add(file);
    o.println("wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
    o.flush();
    return 0;
  }

  private static double tail(double[] losses) {
    int n = Math.min(50, losses.length);
    double s = 0;
    for (int i = losses.length - n; i < losses.length; i++) {
      s += losses[i];
    }
    return s / n;
  }

  /** Mean and the half-width of a Student-t 95% interval. */
  static double[] meanCi(double[] x) {
    double m = 0;
    for (double v : x) {
      m += v;
    }
    m /= x.length;
    double ss = 0;
    for (double v : x) {
      ss += (v - m) * (v - m);
    }
    double sd = Math.sqrt(ss / (x.length - 1));
    double t = new org.apache.commons.math3.distribution.TDistribution(x.length - 1).inverseCumulativeProbability(0.975);
    return new double[] {m, t * sd / Math.sqrt(x.length)};
  }

  private static BufferedImage bars(String title, String y, String[] names, double[][] values) {
    CategoryChart c = new CategoryChartBuilder().width(900).height(500).title(title).xAxisTitle("held-out task")
        .yAxisTitle(y).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    List<Integer> tasks = new ArrayList<>();
    for (int t = 0; t < values[0].length; t++) {
      tasks.add(t);
    }
    for (int i = 0; i < names.length; i++) {
      List<Double> v = new ArrayList<>();
      for (double x : values[i]) {
        v.add(x);
      }
      c.addSeries(names[i], tasks, v).setFillColor(Plots.PALETTE[i % Plots.PALETTE.length]);
    }
    return BitmapEncoder.getBufferedImage(c);
  }
}
