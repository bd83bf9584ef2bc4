package org.bml.cli;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bml.algorithms.rl.GaussianPolicy;
import org.bml.algorithms.rl.MamlRl;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./bml maml-rl}: the 2-D navigation experiment of MAML (Finn, Abbeel &amp; Levine, ICML 2017,
 * §5.3, the point-robot panel of its Fig. 5). Meta-trains a Gaussian MLP policy with
 * {@link MamlRl} (one REINFORCE inner step with a linear baseline, second order; Adam outer step,
 * not the paper's TRPO: {@code --outer adam} the policy-gradient meta-gradient, {@code --outer ppo}
 * {@code --outer-epochs} Adam steps per batch on PPO's clipped surrogate of the post-update
 * objective, Schulman et al. 2017, as ProMP, Rothfuss et al. 2019) and, with the same outer
 * optimiser, iterations and training goals, a policy pretrained on all tasks ({@link MamlRl} with
 * no inner step); with {@code --oracle} also the paper's oracle, a policy given the goal as input,
 * trained like the pretrained one and not adapted. On held-out goals both, and
 * the untrained initialisation, are fine-tuned with 0..{@code --steps} policy-gradient steps of
 * size {@code --test-lr} on the same rollout seeds; prints the mean return per step (95% CI over
 * goals) and the paired difference MAML − pretrained, writes {@code OUT/maml-rl.csv} (per goal
 * and step) and {@code OUT/maml-rl-return.png}.
 */
@Command(name = "maml-rl", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"MAML for RL (Finn et al. 2017, §5.3): 2-D point navigation to a goal per task; return after "
        + "0..S policy-gradient adaptation steps of the MAML policy vs. a policy pretrained on all tasks and "
        + "fine-tuned with the same steps, on the same held-out goals."})
final class MamlRlCommand implements Callable<Integer> {
  static final String CSV = "maml-rl.csv";
  static final String PLOT = "maml-rl-return";
  /** Largest rollout (tasks × episodes × horizon) one step may hold. */
  static final long MAX_ROLLOUT = 4_000_000L;
  /** Validation goals of the learning curve (their own seed, neither training nor test goals). */
  static final int VAL_GOALS = 10;
  /** The oracle's row and legend entry. */
  static final String ORACLE = "oracle (goal as input)";

  @Spec
  CommandSpec spec;

  @Option(names = "--iterations", paramLabel = "N", description = "meta-iterations (default ${DEFAULT-VALUE})")
  int iterations = 250;
  @Option(names = "--meta-batch", paramLabel = "T", description = "goals per meta-iteration (default ${DEFAULT-VALUE})")
  int metaBatch = 20;
  @Option(names = "--episodes", paramLabel = "K", description = "rollouts per goal and step (default ${DEFAULT-VALUE})")
  int episodes = 20;
  @Option(names = "--horizon", paramLabel = "H", description = "steps per episode (default ${DEFAULT-VALUE})")
  int horizon = 100;
  @Option(names = "--inner-lr", paramLabel = "ALPHA", description = "inner step size in meta-training (default ${DEFAULT-VALUE})")
  double innerLr = 0.1;
  @Option(names = "--test-lr", paramLabel = "ALPHA",
      description = "step size of the test-time fine-tuning, for every policy (default: --inner-lr)")
  Double testLr;
  @Option(names = "--outer-lr", paramLabel = "LR", description = "Adam step of the outer loop (default ${DEFAULT-VALUE})")
  double outerLr = 0.003;
  @Option(names = "--outer", paramLabel = "adam|ppo",
      description = "outer objective: adam = policy-gradient meta-gradient, one Adam step per batch; ppo = clipped "
          + "surrogate (PPO/ProMP), --outer-epochs Adam steps per batch (default ${DEFAULT-VALUE})")
  String outer = "adam";
  @Option(names = "--clip-eps", paramLabel = "EPS",
      description = "ppo: clip the likelihood ratio to 1 ± EPS, in (0, 1) (default ${DEFAULT-VALUE})")
  double clipEps = 0.2;
  @Option(names = "--outer-epochs", paramLabel = "E",
      description = "ppo: outer steps on each batch of rollouts (default ${DEFAULT-VALUE})")
  int outerEpochs = 5;
  @Option(names = "--oracle",
      description = "also train the oracle (goal given as input, same budget, not adapted) and show its row")
  boolean oracle;
  @Option(names = "--clip-norm", paramLabel = "C",
      description = "scale the outer gradient down to L2 norm C when larger, 0 = off (default ${DEFAULT-VALUE})")
  double clipNorm = 0;
  @Option(names = "--val-every", paramLabel = "N",
      description = "print the return after one step on " + VAL_GOALS + " validation goals every N iterations, "
          + "0 = never (default: iterations / 10)")
  Integer valEvery;
  @Option(names = "--hidden", paramLabel = "W,...", split = ",", description = "hidden widths (default 100,100)")
  int[] hidden = {100, 100};
  @Option(names = "--initial-log-std", paramLabel = "L", description = "initial log σ of the policy (default ${DEFAULT-VALUE})")
  double initialLogStd = 0;
  @Option(names = "--discount", paramLabel = "GAMMA", description = "discount (default ${DEFAULT-VALUE})")
  double discount = 0.99;
  @Option(names = "--test-tasks", paramLabel = "N", description = "held-out goals (default ${DEFAULT-VALUE})")
  int testTasks = 40;
  @Option(names = "--steps", paramLabel = "S", description = "test adaptation steps 0..S (default ${DEFAULT-VALUE})")
  int steps = 3;
  @Option(names = "--seed", paramLabel = "S", description = "random seed (default ${DEFAULT-VALUE})")
  long seed = 1;
  @Option(names = "--out", paramLabel = "DIR", description = "output directory (default ${DEFAULT-VALUE})")
  Path out = Path.of("bml-maml-rl");

  @Override
  public Integer call() {
    RunConfig.atLeast("--iterations", iterations, 1);
    RunConfig.atLeast("--meta-batch", metaBatch, 1);
    RunConfig.atLeast("--episodes", episodes, 2);
    RunConfig.atLeast("--horizon", horizon, 1);
    RunConfig.atLeast("--test-tasks", testTasks, 2);
    RunConfig.atLeast("--steps", steps, 1);
    if (!(innerLr >= 0) || !Double.isFinite(innerLr)) {
      throw new BadInputException("--inner-lr must be finite and >= 0, got " + innerLr);
    }
    double fineTuneLr = testLr == null ? innerLr : testLr;
    if (!(fineTuneLr >= 0) || !Double.isFinite(fineTuneLr)) {
      throw new BadInputException("--test-lr must be finite and >= 0, got " + fineTuneLr);
    }
    RunConfig.positive("--outer-lr", outerLr);
    if (!outer.equals("adam") && !outer.equals("ppo")) {
      throw new BadInputException("--outer must be adam or ppo, got " + outer);
    }
    if (!(clipEps > 0 && clipEps < 1)) {
      throw new BadInputException("--clip-eps must be in (0, 1), got " + clipEps);
    }
    RunConfig.atLeast("--outer-epochs", outerEpochs, 1);
    if (!(clipNorm >= 0) || !Double.isFinite(clipNorm)) {
      throw new BadInputException("--clip-norm must be finite and >= 0, got " + clipNorm);
    }
    if (valEvery != null) {
      RunConfig.atLeast("--val-every", valEvery, 0);
    }
    if (!Double.isFinite(initialLogStd)) {
      throw new BadInputException("--initial-log-std must be finite, got " + initialLogStd);
    }
    if (!(discount > 0 && discount <= 1)) {
      throw new BadInputException("--discount must be in (0, 1], got " + discount);
    }
    if (hidden.length == 0) {
      throw new BadInputException("--hidden needs at least one width");
    }
    for (int h : hidden) {
      RunConfig.atLeast("--hidden", h, 1);
    }
    long rollout = (long) Math.max(metaBatch, testTasks) * episodes * horizon;
    if (rollout > MAX_ROLLOUT || (long) steps * testTasks > MAX_ROLLOUT) {
      throw new BadInputException("maml-rl: sizes too large: " + Math.max(metaBatch, testTasks) + " goals x " + episodes
          + " episodes x " + horizon + " steps = " + rollout + " transitions per rollout (at most " + MAX_ROLLOUT + ")");
    }
    Plots.checkDirectory("--out", out);
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GaussianPolicy policy = new GaussianPolicy(initialLogStd, hidden);
    // Both start from the same initialisation (a fresh copy each, so neither sees the other's steps).
    Params init = policy.init(seed, DataType.FLOAT);
    long t0 = System.nanoTime();
    Params maml = train(policy, policy.init(seed, DataType.FLOAT), 1, "MAML", err);
    Params pretrained = train(policy, policy.init(seed, DataType.FLOAT), 0, "pretrained", err);
    GaussianPolicy oraclePolicy = GaussianPolicy.goalConditioned(initialLogStd, hidden);
    Params oracleParams = oracle ? train(oraclePolicy, oraclePolicy.init(seed, DataType.FLOAT), 0, "oracle", err)
        : null;
    err.printf("maml-rl: trained %s (%d iterations x %d goals x %d episodes x %d steps, outer %s) in %.1f s%n",
        oracle ? "the three policies" : "both policies", iterations, metaBatch, episodes, horizon,
        outer.equals("ppo") ? "ppo, " + outerEpochs + " epochs, clip " + clipEps : "adam",
        (System.nanoTime() - t0) / 1e9);
    err.flush();

    double[][] test = MamlRl.goals(seed + Datasets.TEST_SEED_OFFSET, 0, testTasks);
    MamlRl eval = new MamlRl(policy, new MamlRl.Config(episodes, horizon, innerLr, 1, discount, true));
    long evalSeed = seed + Datasets.TEST_SEED_OFFSET + 1;
    String[] names = {"MAML", "pretrained + fine-tuning", "random initialisation + fine-tuning"};
    Params[] policies = {maml, pretrained, init};
    double[][][] r = new double[3][][]; // [policy][step][goal]
    for (int i = 0; i < 3; i++) {
      try (MemoryScope scope = MemoryScope.open("bml-cli-maml-rl-eval")) {
        r[i] = eval.returnsPerTaskAfterSteps(policies[i], test, steps, evalSeed, fineTuneLr);
      }
    }
    double[] oracleReturns = null;
    if (oracle) {
      MamlRl oracleEval = new MamlRl(oraclePolicy, new MamlRl.Config(episodes, horizon, innerLr, 0, discount, true));
      try (MemoryScope scope = MemoryScope.open("bml-cli-maml-rl-eval")) {
        // Not adapted: the rollouts of step 0 (the same seed as every policy's step 0), flat over steps.
        oracleReturns = oracleEval.returnsPerTaskAfterSteps(oracleParams, test, 0, evalSeed, fineTuneLr)[0];
      }
    }
    o.printf("MAML-RL, 2-D navigation: %d held-out goals, %d episodes x %d steps per goal and step, test step size %s, "
        + "outer %s (mean return per episode ± 95%% CI over goals; higher is better%s)%n", testTasks, episodes, horizon,
        fineTuneLr, outer, oracle ? "; the oracle is not adapted, its row is flat" : "");
    StringBuilder head = new StringBuilder(String.format("%-38s", "policy"));
    for (int k = 0; k <= steps; k++) {
      head.append(String.format(" %18s", k + (k == 1 ? " step" : " steps")));
    }
    o.println(head);
    for (int i = 0; i < 3; i++) {
      StringBuilder row = new StringBuilder(String.format("%-38s", names[i]));
      for (int k = 0; k <= steps; k++) {
        double[] m = GrbalCommand.meanCi(r[i][k]);
        row.append(String.format(" %10.2f ± %5.2f", m[0], m[1]));
      }
      o.println(row);
    }
    if (oracle) {
      StringBuilder row = new StringBuilder(String.format("%-38s", ORACLE));
      double[] m = GrbalCommand.meanCi(oracleReturns);
      for (int k = 0; k <= steps; k++) {
        row.append(String.format(" %10.2f ± %5.2f", m[0], m[1]));
      }
      o.println(row);
    }
    StringBuilder diff = new StringBuilder(String.format("%-38s", "paired MAML - pretrained"));
    for (int k = 0; k <= steps; k++) {
      double[] d = new double[testTasks];
      for (int t = 0; t < testTasks; t++) {
        d[t] = r[0][k][t] - r[1][k][t];
      }
      double[] m = GrbalCommand.meanCi(d);
      diff.append(String.format(" %10.2f ± %5.2f", m[0], m[1]));
    }
    o.println(diff);

    StringBuilder csv = new StringBuilder("goal,goal_x,goal_y,step,return_maml,return_pretrained,return_random"
        + (oracle ? ",return_oracle" : "") + "\n");
    for (int t = 0; t < testTasks; t++) {
      for (int k = 0; k <= steps; k++) {
        csv.append(String.format("%d,%.6f,%.6f,%d,%.6f,%.6f,%.6f", t, test[t][0], test[t][1], k, r[0][k][t],
            r[1][k][t], r[2][k][t]));
        csv.append(oracle ? String.format(",%.6f%n", oracleReturns[t]) : String.format("%n"));
      }
    }
    Map<String, BufferedImage> images = new LinkedHashMap<>();
    images.put(PLOT, plot(names, r, oracleReturns, fineTuneLr));
    List<Path> written = new ArrayList<>(Plots.writeAll(out, images));
    Path file = out.resolve(CSV);
    AtomicFiles.write(file, s -> s.write(csv.toString().getBytes(StandardCharsets.UTF_8)));
    written.add(file);
    o.println("wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
    o.flush();
    return 0;
  }

  /**
   * Adam on the meta-loss with {@code innerSteps} (1: MAML, 0: pretraining); same goals and seeds for
   * both. {@code --outer ppo}: per iteration one batch of rollouts with θ_old, then
   * {@code --outer-epochs} steps on the clipped surrogate of that batch.
   */
  private Params train(GaussianPolicy policy, Params init, int innerSteps, String what, PrintWriter err) {
    MamlRl m = new MamlRl(policy, new MamlRl.Config(episodes, horizon, innerLr, innerSteps, discount, true));
    MetaOptimizer opt = new MetaOptimizer(init, new Adam(outerLr), clipNorm);
    long t0 = System.nanoTime();
    int every = valEvery != null ? valEvery : Math.max(1, iterations / 10);
    double[][] valGoals = MamlRl.goals(seed + Datasets.VALIDATION_SEED_OFFSET, 0, VAL_GOALS);
    boolean ppo = outer.equals("ppo");
    MamlRl.MetaBatch batch = null;
    for (int it = 0; it < iterations; it++) {
      double lossValue;
      try (MemoryScope scope = MemoryScope.open("bml-cli-maml-rl")) {
        double[][] goals = MamlRl.goals(seed, (long) it * metaBatch, metaBatch);
        long rolloutSeed = seed * 1_000_003L + it;
        if (ppo) {
          batch = m.collect(opt.params(), goals, rolloutSeed);
          lossValue = Double.NaN;
          for (int e = 0; e < outerEpochs; e++) {
            try (MemoryScope epoch = MemoryScope.open("bml-cli-maml-rl-epoch")) {
              Tensor loss = m.clippedMetaLoss(opt.params(), batch, clipEps);
              lossValue = loss.value().getDouble(0);
              if (!Double.isFinite(lossValue)) {
                throw new DivergedException("maml-rl: " + what + " clipped meta-loss is " + lossValue
                    + " at iteration " + it + ", epoch " + e, it);
              }
              opt.step(Autodiff.grad(List.of(loss), null, opt.params().tensors(), false, true));
            }
          }
        } else {
          Tensor loss = m.metaLoss(opt.params(), goals, rolloutSeed);
          lossValue = loss.value().getDouble(0);
          if (!Double.isFinite(lossValue)) {
            throw new DivergedException("maml-rl: " + what + " meta-loss is " + lossValue + " at iteration " + it, it);
          }
          opt.step(Autodiff.grad(List.of(loss), null, opt.params().tensors(), false, true));
        }
      }
      if (every > 0 && (it + 1) % every == 0) {
        double[] val;
        String clipped = "";
        try (MemoryScope scope = MemoryScope.open("bml-cli-maml-rl-val")) {
          val = m.returnsAfterSteps(opt.params(), valGoals, 1, seed + Datasets.VALIDATION_SEED_OFFSET + 1);
          if (ppo) {
            clipped = String.format(", %.1f%% of ratios outside 1 ± %s after the epochs", 100 * outsideFraction(
                m.ratios(opt.params(), batch)), clipEps);
          }
        }
        err.printf("maml-rl: %s iteration %d/%d, surrogate %.4f%s, validation return %.2f -> %.2f after 1 step, "
            + "%.1f s%n", what, it + 1, iterations, lossValue, clipped, val[0], val[1], (System.nanoTime() - t0) / 1e9);
        err.flush();
      }
    }
    return opt.params().detach();
  }

  private double outsideFraction(double[][] ratios) {
    long out = 0;
    long all = 0;
    for (double[] task : ratios) {
      for (double v : task) {
        out += v > 1 + clipEps || v < 1 - clipEps ? 1 : 0;
        all++;
      }
    }
    return out / (double) all;
  }

  private static BufferedImage plot(String[] names, double[][][] r, double[] oracle, double lr) {
    XYChart c = new XYChartBuilder().width(Plots.WIDTH).height(Plots.HEIGHT)
        .title("2-D navigation: return vs. adaptation steps (step size " + lr + ")").xAxisTitle("adaptation steps")
        .yAxisTitle("mean return per episode (95% CI over goals)").build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    c.getStyler().setXAxisDecimalPattern("0");
    int n = r[0].length;
    double[] x = new double[n];
    for (int k = 0; k < n; k++) {
      x[k] = k;
    }
    for (int i = 0; i < names.length; i++) {
      double[] mean = new double[n];
      double[] ci = new double[n];
      for (int k = 0; k < n; k++) {
        double[] m = GrbalCommand.meanCi(r[i][k]);
        mean[k] = m[0];
        ci[k] = m[1];
      }
      XYSeries s = c.addSeries(names[i], x, mean, ci);
      s.setLineColor(Plots.PALETTE[i]);
      s.setMarkerColor(Plots.PALETTE[i]);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    if (oracle != null) {
      double[] m = GrbalCommand.meanCi(oracle);
      double[] mean = new double[n];
      double[] ci = new double[n];
      java.util.Arrays.fill(mean, m[0]);
      java.util.Arrays.fill(ci, m[1]);
      XYSeries s = c.addSeries(ORACLE, x, mean, ci);
      s.setLineColor(Plots.PALETTE[names.length]);
      s.setMarkerColor(Plots.PALETTE[names.length]);
      s.setMarker(SeriesMarkers.NONE);
    }
    return BitmapEncoder.getBufferedImage(c);
  }
}
