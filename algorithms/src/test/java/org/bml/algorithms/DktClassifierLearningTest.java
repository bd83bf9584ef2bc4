package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.algorithms.functional.DktClassifier;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.optim.MetaOptimizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Deep kernel transfer for classification (Patacchiola et al. NeurIPS 2020) learns a feature map
 * on Gaussian-blob episodes: 5-way 1-shot, 2 informative coordinates among 12 (the other 10 loud
 * noise, σ = 2), so an untrained kernel sees mostly noise. Deterministic (seeds 1 for θ, 3 for the
 * training tasks, 99 for the 48 evaluation tasks); thresholds are fixed, not fitted.
 */
class DktClassifierLearningTest {
  @Test
  void accuracyRisesWellAboveChanceAfterMetaTraining() {
    GaussianBlobTasks blobs = new GaussianBlobTasks(5, 1, 5, 12, 2, 0.2, 2.0);
    DktClassifier dkt = new DktClassifier(new Mlp(Activation.TANH, blobs.dim(), 16, 8), DktClassifier.Kernel.RBF, 0.1,
        1, 1, 1);
    MetaOptimizer opt = new MetaOptimizer(dkt.initialize(1, DataType.DOUBLE), new Adam(0.01), 0);
    double before = Evaluation.queryAccuracy(dkt, opt.params(), blobs, 99, 48, 24, 0).mean();
    MetaTrainer trainer = new MetaTrainer(dkt, blobs, opt, 4, 3);
    for (int it = 0; it < 150; it++) {
      trainer.step(it);
    }
    double after = Evaluation.queryAccuracy(dkt, opt.params(), blobs, 99, 48, 24, 0).mean();
    System.out.printf("DKT classifier, blobs 5-way 1-shot: accuracy %.3f -> %.3f (chance 0.2)%n", before, after);
    assertTrue(before < 0.45, "untrained accuracy " + before);
    assertTrue(after > 0.7, "accuracy " + before + " -> " + after);
  }
}
