package org.bml.examples;

import org.bml.algorithms.Episodes;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MetaTrainer;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.synthetic.SineInfo;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Second-order MAML (Finn, Abbeel &amp; Levine 2017) on sinusoid regression with the paper's settings:
 * meta-train, adapt to a new task with one gradient step, and print its query MSE before and after,
 * then the same over many test tasks.
 *
 * <p>Run: {@code java ... org.bml.examples.MamlSinusoid iterations=4000 tasks=600}.
 */
public final class MamlSinusoid {
  private MamlSinusoid() {}

  public static void main(String[] args) {
    ExampleArgs a = ExampleArgs.parse(args, "iterations", "tasks");
    int iterations = a.positive("iterations", 4000);
    int testTasks = a.positive("tasks", 600);

    // Model, method and tasks: MLP 1-40-40-1, one inner step of size 0.01, 10 support + 10 query points.
    Mlp model = new Mlp(Activation.RELU, 1, 40, 40, 1);
    Maml maml = new Maml(model, Likelihood.meanSquaredError(model), 1, 0.01, GradientOrder.SECOND);
    SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 10, 10, DataType.FLOAT);
    // One TaskSeeds for training and testing: the test tasks are never the tasks trained on.
    TaskSeeds seeds = TaskSeeds.of(1);

    // Meta-training: Adam on θ, 25 tasks per meta-batch.
    MetaOptimizer adam = new MetaOptimizer(maml.initialize(seeds.base(), DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(maml, tasks, adam, 25, seeds);
    for (int it = 0; it < iterations; it++) {
      double loss = trainer.step(it);
      if ((it + 1) % Math.max(1, iterations / 4) == 0) {
        System.out.printf("iteration %d/%d: meta-loss %.4f%n", it + 1, iterations, loss);
      }
    }
    Params theta = adam.params();

    // A new task: adapt to its 10 support points, score its 10 query points.
    TaskBatch task = tasks.batch(seeds.test(), 0, 1);
    double before = maml.perTaskLoss(theta, Episodes.query(task)).value().getDouble(0);
    Params adapted = maml.adapt(theta, Episodes.support(task), 1);
    double after = maml.perTaskLoss(adapted, Episodes.query(task)).value().getDouble(0);
    SineInfo sine = (SineInfo) task.info().get(0);
    System.out.printf("new task (amplitude %.2f, phase %.2f): query MSE %.4f before adaptation, %.4f after 1 step%n",
        sine.amplitude(), sine.phase(), before, after);

    // The same over many test tasks, with 95% confidence intervals.
    System.out.println("test tasks, query MSE before adaptation: "
        + Evaluation.queryLoss(maml, theta, tasks, seeds, testTasks, 25, 0));
    System.out.println("test tasks, query MSE after 1 step:      "
        + Evaluation.queryLoss(maml, theta, tasks, seeds, testTasks, 25, 1));
  }
}
