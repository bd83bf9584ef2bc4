package org.bml.examples;

import java.util.List;
import org.bml.algorithms.Episodes;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.predictive.NoiseModel;
import org.bml.algorithms.predictive.Predictives;
import org.bml.algorithms.predictive.RegressionPredictive;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.TaskInfo;
import org.bml.datasets.synthetic.LineInfo;
import org.bml.datasets.synthetic.SineAndLineTasks;
import org.bml.datasets.synthetic.SineInfo;
import org.bml.hierarchical.Platipus;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * PLATIPUS (Finn, Xu &amp; Levine 2018) on the ambiguous sine-or-line tasks: meta-train, then give it a
 * new task with only two support points (a sine and a line both fit them), draw several task
 * hypotheses from its posterior and print them with the predictive mean and 90% interval on a grid.
 *
 * <p>Run: {@code java ... org.bml.examples.PlatipusSineAndLine iterations=3000 hypotheses=5}.
 */
public final class PlatipusSineAndLine {
  private PlatipusSineAndLine() {}

  public static void main(String[] args) {
    ExampleArgs a = ExampleArgs.parse(args, "iterations", "hypotheses");
    int iterations = a.positive("iterations", 3000);
    int k = a.positive("hypotheses", 5);

    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    // 1 inner step α = 0.01, KL weight 0.05, initial variances 0.01, γ_p = γ_q = 0.01 (the CLI's defaults).
    Platipus platipus = new Platipus(model, Likelihood.meanSquaredError(model),
        new Platipus.Config(1, 0.01, 0.05, 0.01, 0.01, 0.01, 0.01, GradientOrder.SECOND, false));
    SineAndLineTasks training = new SineAndLineTasks(5, 5);
    TaskSeeds seeds = TaskSeeds.of(1);

    MetaOptimizer adam = new MetaOptimizer(platipus.initialize(seeds.base(), DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(platipus, training, adam, 10, seeds);
    for (int it = 0; it < iterations; it++) {
      double loss = trainer.step(it);
      if ((it + 1) % Math.max(1, iterations / 4) == 0) {
        System.out.printf("iteration %d/%d: meta-loss %.4f%n", it + 1, iterations, loss);
      }
    }
    Params theta = adam.params();

    // A new task seen through two points only: ambiguous between the two families.
    TaskBatch task = new SineAndLineTasks(2, 1).batch(seeds.test(), 0, 1);
    Data support = Episodes.support(task);
    System.out.println("new task, truly " + describe(task.info().get(0)) + "; support points (x, y): " + points(task));

    // k hypotheses φ_1..φ_k ~ q(φ | support, θ), and their mixture as the predictive distribution.
    float[] grid = {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5};
    Tensor x = Tensor.constant(Nd4j.create(grid, new long[] {1, grid.length, 1}));
    List<Params> hypotheses = Predictives.hypotheses(platipus, theta, support, 1, k, 7);
    RegressionPredictive predictive = Predictives.regression(platipus, hypotheses, support, x,
        NoiseModel.fixed(SineAndLineTasks.PLATIPUS_NOISE_STD * SineAndLineTasks.PLATIPUS_NOISE_STD));
    double[][][][] f = predictive.predictions(); // [hypothesis][task][point][output]
    double[][][] mean = predictive.mean();
    RegressionPredictive.Interval interval = predictive.interval(0.9);

    StringBuilder header = new StringBuilder(String.format("%6s", "x"));
    for (int h = 0; h < f.length; h++) {
      header.append(String.format(" %8s", "h" + (h + 1)));
    }
    System.out.println(header.append(String.format(" %8s  %s", "mean", "90% interval")));
    for (int i = 0; i < grid.length; i++) {
      StringBuilder row = new StringBuilder(String.format("%6.1f", grid[i]));
      for (double[][][] fh : f) {
        row.append(String.format(" %8.3f", fh[0][i][0]));
      }
      System.out.println(row.append(String.format(" %8.3f  [%.3f, %.3f]", mean[0][i][0],
          interval.lower()[0][i][0], interval.upper()[0][i][0])));
    }
  }

  private static String describe(TaskInfo info) {
    if (info instanceof SineInfo s) {
      return String.format("a sine (amplitude %.2f, phase %.2f)", s.amplitude(), s.phase());
    }
    LineInfo l = (LineInfo) info;
    return String.format("a line (slope %.2f, intercept %.2f)", l.slope(), l.intercept());
  }

  private static String points(TaskBatch task) {
    float[] xs = task.supportX().dup().data().asFloat();
    float[] ys = task.supportY().dup().data().asFloat();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < xs.length; i++) {
      b.append(String.format("%s(%.2f, %.2f)", i == 0 ? "" : " ", xs[i], ys[i]));
    }
    return b.toString();
  }
}
