package org.bml.cli;

import java.io.PrintStream;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The README's main job: second-order MAML on sinusoid regression with the MAML paper's settings
 * (amplitude U[0.1, 5], phase U[0, π], x U[−5, 5]; MLP 1-40-40-1 ReLU; 10 support + 10 query;
 * one inner step α = 0.01; meta-batch 25; Adam 1e-3), then pre- and post-adaptation query MSE on
 * fresh test tasks.
 */
public final class SineMamlJob {
  public static final long TRAIN_SEED_OFFSET = 0;
  public static final long TEST_SEED_OFFSET = 1_000_000_007L;

  private SineMamlJob() {}

  public record Result(Evaluation.Summary before, Evaluation.Summary after, double secondsPerIteration) {}

  public static Result run(int iterations, long seed, int testTasks, PrintStream out) {
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    MetaOptimizer opt = new MetaOptimizer(maml.initialize(seed, DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, opt, 25, seed + TRAIN_SEED_OFFSET);
    long t0 = System.nanoTime();
    double running = Double.NaN;
    for (int it = 0; it < iterations; it++) {
      double loss = trainer.step(it);
      running = Double.isNaN(running) ? loss : 0.98 * running + 0.02 * loss;
      if ((it + 1) % Math.max(1, iterations / 10) == 0) {
        double el = (System.nanoTime() - t0) / 1e9;
        out.printf("iter %6d/%d  meta-loss %.4f  (%.1f it/s, ETA %.0f s)%n", it + 1, iterations, running,
            (it + 1) / el, el / (it + 1) * (iterations - it - 1));
      }
    }
    double perIt = (System.nanoTime() - t0) / 1e9 / Math.max(1, iterations);
    Evaluation.Summary before = Evaluation.queryLoss(maml, opt.params(), tasks, seed + TEST_SEED_OFFSET, testTasks, 25, 0);
    Evaluation.Summary after = Evaluation.queryLoss(maml, opt.params(), tasks, seed + TEST_SEED_OFFSET, testTasks, 25, 1);
    out.println("query MSE before adaptation: " + before);
    out.println("query MSE after 1 step:      " + after);
    return new Result(before, after, perIt);
  }
}
