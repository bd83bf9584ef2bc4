package org.bml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The README's main job: second-order MAML on sinusoid regression with the MAML paper's settings
 * (amplitude U[0.1, 5], phase U[0, π], x U[−5, 5]; MLP 1-40-40-1 ReLU; 10 support + 10 query;
 * one inner step α = 0.01; meta-batch 25; Adam 1e-3), then pre- and post-adaptation query MSE on
 * fresh test tasks, and optionally a PNG of a few of them.
 */
public final class SineMamlJob {
  public static final long TRAIN_SEED_OFFSET = TaskSeeds.Split.TRAIN.offset();
  public static final long TEST_SEED_OFFSET = TaskSeeds.Split.TEST.offset();
  /** Test tasks drawn in the plot. */
  public static final int PLOT_TASKS = 4;

  private SineMamlJob() {}

  public record Result(Evaluation.Summary before, Evaluation.Summary after, double secondsPerIteration) {}

  /** Trains and evaluates, printing progress lines and the results to {@code out}. */
  public static Result run(int iterations, long seed, int testTasks, PrintStream out) {
    PrintWriter w = new PrintWriter(out, true);
    return run(iterations, seed, testTasks, w, w, false, null);
  }

  /**
   * Trains and evaluates; progress goes to {@code progress} (a redrawn bar when {@code tty}), the
   * results to {@code out}, and with a {@code plot} path a PNG of {@value #PLOT_TASKS} test tasks.
   */
  public static Result run(int iterations, long seed, int testTasks, PrintWriter out, PrintWriter progress,
      boolean tty, Path plot) {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(seed, DataType.FLOAT), new Adam(1e-3), 0);
    TaskSeeds seeds = TaskSeeds.of(seed);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 25, seeds);
    Progress bar = new Progress(progress, tty, "maml", "it", iterations, 0);
    long t0 = System.nanoTime();
    double running = Double.NaN;
    for (int it = 0; it < iterations; it++) {
      double loss;
      try {
        loss = trainer.step(it);
      } catch (ArithmeticException e) {
        bar.finish();
        throw new DivergedException("training stopped at iteration " + (it + 1) + ": " + e.getMessage(), it + 1);
      }
      running = Double.isNaN(running) ? loss : 0.98 * running + 0.02 * loss;
      bar.update(it + 1, String.format("meta-loss %.4f", running));
    }
    bar.finish();
    double perIt = (System.nanoTime() - t0) / 1e9 / Math.max(1, iterations);
    Evaluation.Summary before = Evaluation.queryLoss(maml, opt.params(), tasks, seeds, testTasks, 25, 0);
    Evaluation.Summary after = Evaluation.queryLoss(maml, opt.params(), tasks, seeds, testTasks, 25, 1);
    out.printf("meta-training: %d iterations, %.1f ms each, final running meta-loss %.4f%n", iterations, perIt * 1e3,
        running);
    out.println("query MSE before adaptation: " + before);
    out.println("query MSE after 1 step:      " + after);
    if (plot != null) {
      Path dir = plot.toAbsolutePath().getParent();
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new BadInputException("cannot create " + dir + ": " + e.getMessage(), e);
      }
      SinePlot.write(plot, maml, opt.params(), tasks, seeds.test(), PLOT_TASKS, 1,
          tasks.config().xMin(), tasks.config().xMax());
      out.println("plot of " + PLOT_TASKS + " test tasks: " + plot);
    }
    out.flush();
    return new Result(before, after, perIt);
  }
}
