package org.bml.examples;

import org.bml.algorithms.Conv4Embedding;
import org.bml.algorithms.Evaluation;
import org.bml.algorithms.MetaTrainer;
import org.bml.algorithms.ProtoNet;
import org.bml.algorithms.predictive.UncertaintyOptions;
import org.bml.algorithms.predictive.UncertaintyReport;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskSeeds;
import org.bml.datasets.omniglot.OmniglotImages;
import org.bml.datasets.omniglot.OmniglotSplits;
import org.bml.datasets.omniglot.OmniglotTasks;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Prototypical networks (Snell, Swersky &amp; Zemel 2017) on Omniglot 5-way 1-shot: meta-train the
 * Conv-4 embedding on the MAML split's 1,200 training characters, then report accuracy and
 * calibration (expected calibration error over 15 bins, Brier score) on episodes of the 423 test
 * characters. The data directory is found as {@link org.bml.datasets.omniglot.OmniglotPaths} says.
 *
 * <p>Run: {@code java ... org.bml.examples.ProtoNetOmniglot iterations=2000 tasks=600}.
 */
public final class ProtoNetOmniglot {
  private ProtoNetOmniglot() {}

  public static void main(String[] args) {
    ExampleArgs a = ExampleArgs.parse(args, "iterations", "tasks", "meta-batch", "queries");
    int iterations = a.positive("iterations", 2000);
    int testTasks = a.positive("tasks", 600);
    int metaBatch = a.positive("meta-batch", 16);
    int queries = a.positive("queries", 15);

    // Decode the images once (about a second), split the characters, and build 5-way 1-shot episodes
    // with 15 query images per class.
    OmniglotImages images = OmniglotImages.load();
    OmniglotSplits.TrainTest split = OmniglotSplits.maml(images, 0);
    OmniglotTasks training = new OmniglotTasks(images, split.train(), 5, 1, queries);
    OmniglotTasks test = new OmniglotTasks(images, split.test(), 5, 1, queries);
    TaskSeeds seeds = TaskSeeds.of(1);

    ProtoNet protoNet = new ProtoNet(Conv4Embedding.omniglot());
    MetaOptimizer adam = new MetaOptimizer(protoNet.initialize(seeds.base(), DataType.FLOAT), new Adam(1e-3), 0);
    MetaTrainer trainer = new MetaTrainer(protoNet, training, adam, metaBatch, seeds);
    for (int it = 0; it < iterations; it++) {
      double loss = trainer.step(it);
      if ((it + 1) % Math.max(1, iterations / 4) == 0) {
        System.out.printf("iteration %d/%d: meta-loss %.4f%n", it + 1, iterations, loss);
      }
    }

    // ProtoNet is a point estimate: one hypothesis, its softmax over the distances to the prototypes.
    UncertaintyReport r = Evaluation.uncertainty(protoNet, adam.params(), test, seeds, testTasks, 8, 0,
        UncertaintyOptions.defaults(1, seeds.base()));
    System.out.println("test episodes (5-way 1-shot, unseen characters): " + r.tasks());
    System.out.println("  accuracy " + r.accuracy());
    System.out.printf("  ECE %.4f (15 bins, %d query images), MCE %.4f%n", r.calibration().ece(),
        r.calibration().points(), r.calibration().mce());
    System.out.println("  Brier score " + r.brier());
  }
}
