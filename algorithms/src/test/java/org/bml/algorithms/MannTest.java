package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.bml.datasets.TaskBatch;
import org.bml.inference.Data;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link Mann} (Santoro et al. 2016): the support-prefix mapping (a query's prediction after
 * {@code adapt} is the sequence's prediction at the next position); labels one step late (the
 * first prediction cannot depend on its own label); the episode sequence is a per-task
 * permutation; the meta-gradient and its Hessian-vector product against central differences in
 * float64; learning on a tiny synthetic task (2 Gaussian classes per episode, 3 presentations
 * each: accuracy from the 2nd presentation on, 0.5 by chance, must pass 0.7 after 40 Adam steps); bad inputs.
 */
class MannTest {
  // 2 classes, 1 shot + 2 queries: sequences of 6, 3 presentations per class; features are the class centre + noise.
  private static final GaussianBlobTasks TASKS = new GaussianBlobTasks(2, 1, 2, 4, 4, 0.1, 0.0);

  private static Mann small() {
    return new Mann(new long[] {4}, 2, 16, 6, 6, 1, 0.95, 5.0, 1);
  }

  private static Data[] episode(long seed, long first, int n) {
    TaskBatch b = TASKS.batch(seed, first, n);
    return new Data[] {new Data(Tensor.constant(b.supportX()), Tensor.constant(b.supportY())),
        new Data(Tensor.constant(b.queryX()), Tensor.constant(b.queryY()))};
  }

  @Test
  void aQueryAfterAdaptIsTheNextStepOfTheSequence() {
    Mann mann = small();
    Params meta = mann.initialize(3, DataType.DOUBLE);
    Data[] e = episode(5, 0, 2);
    Data support = e[0];
    Tensor predicted = mann.predict(mann.adapt(meta, support, 0), e[1].x());
    long n = support.points();
    for (int q = 0; q < e[1].points(); q++) {
      Tensor xq = Ops.slice(e[1].x(), 1, q, q + 1);
      Tensor yq = Ops.slice(e[1].y(), 1, q, q + 1);
      Tensor seq = mann.sequenceLogits(meta, Ops.concat(1, List.of(support.x(), xq)),
          Ops.concat(1, List.of(support.y(), yq)));
      INDArray want = Ops.slice(seq, 1, n, n + 1).value().reshape(2, 2);
      INDArray got = Ops.slice(predicted, 1, q, q + 1).value().reshape(2, 2);
      assertTrue(want.sub(got).amaxNumber().doubleValue() < 1e-12, "query " + q + ": " + want + " vs " + got);
    }
  }

  @Test
  void labelsArriveOneStepLate() {
    Mann mann = small();
    Params meta = mann.initialize(4, DataType.DOUBLE);
    Data[] e = episode(6, 0, 1);
    Tensor x = e[0].x();
    INDArray y = e[0].y().value();
    INDArray flipped = y.dup();
    flipped.putScalar(new long[] {0, 0, 0}, 1 - y.getDouble(0, 0, 0));
    flipped.putScalar(new long[] {0, 0, 1}, 1 - y.getDouble(0, 0, 1));
    INDArray a = mann.sequenceLogits(meta, x, Tensor.constant(y)).value();
    INDArray b = mann.sequenceLogits(meta, x, Tensor.constant(flipped)).value();
    assertEquals(0.0, a.getDouble(0, 0, 0) - b.getDouble(0, 0, 0), 0.0, "step 1 must not see its own label");
    assertTrue(Math.abs(a.getDouble(0, 1, 0) - b.getDouble(0, 1, 0)) > 1e-9, "step 2 sees step 1's label");
  }

  @Test
  void episodeSequenceIsAPermutationPerTask() {
    Data[] e = episode(7, 0, 3);
    Data seq = Mann.episodeSequence(e[0], e[1], 11);
    assertArrayEquals(new long[] {3, 6, 4}, seq.x().shape());
    INDArray all = Nd4j.concat(1, e[0].x().value(), e[1].x().value());
    boolean moved = false;
    for (int t = 0; t < 3; t++) {
      // every row of the sequence is one of the task's rows, each used once (sums agree), in another order
      assertEquals(all.slice(t).sumNumber().doubleValue(), seq.x().value().slice(t).sumNumber().doubleValue(), 1e-12);
      moved |= !all.slice(t).equals(seq.x().value().slice(t));
    }
    assertTrue(moved);
    assertTrue(seq.y().value().equals(Mann.episodeSequence(e[0], e[1], 11).y().value()), "reproducible for a seed");
  }

  @Test
  void metaGradientAndHvpMatchFiniteDifferences() {
    Mann mann = new Mann(new long[] {2}, 2, 2, 3, 2, 1, 0.9, 1.5, 1);
    Params theta = mann.initialize(8, DataType.DOUBLE);
    List<String> names = theta.names();
    Data support = new Data(Tensor.constant(GradientCheck.uniform(1, -1, 1, 1, 1, 2)),
        Tensor.constant(Nd4j.createFromArray(new double[][][] {{{0, 1}}})));
    Data query = new Data(Tensor.constant(GradientCheck.uniform(2, -1, 1, 1, 1, 2)),
        Tensor.constant(Nd4j.createFromArray(new double[][][] {{{1, 0}}})));
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : theta.tensors()) {
      at.add(t.value().dup());
    }
    double err = GradientCheck.gradientError(ts -> mann.metaLoss(Params.of(names, ts), support, query, 3), at, 1e-6);
    assertTrue(err < 1e-6, "gradient error " + err);
    List<INDArray> d = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      d.add(GradientCheck.uniform(40 + i, -1, 1, at.get(i).shape()));
    }
    double hvp = GradientCheck.hvpError(ts -> mann.metaLoss(Params.of(names, ts), support, query, 3), at, d, 1e-5);
    assertTrue(hvp < 1e-6, "HVP error " + hvp);
  }

  private static double laterAccuracy(Mann mann, Params meta) {
    Data[] e = episode(99, 0, 64);
    Mann.InstanceCounts c = mann.instanceAccuracy(meta, e[0], e[1], 123);
    long ok = 0;
    long all = 0;
    for (int k = 1; k < c.total().length; k++) {
      ok += c.correct()[k];
      all += c.total()[k];
    }
    return (double) ok / all;
  }

  /** Seeds 1 (init), 2.. (training tasks), 99/123 (held-out episodes and orders); deterministic, no alpha. */
  @Test
  void learnsToBindLabelsOnATinySyntheticTask() {
    Mann mann = small();
    MetaOptimizer opt = new MetaOptimizer(mann.initialize(1, DataType.DOUBLE), new Adam(0.1), 0);
    double before = laterAccuracy(mann, opt.params());
    MetaTrainer trainer = new MetaTrainer(mann, TASKS, opt, 16, 2);
    for (int it = 0; it < 40; it++) {
      trainer.step(it);
    }
    double after = laterAccuracy(mann, opt.params());
    System.out.printf("MANN tiny task: accuracy from the 2nd presentation %.3f -> %.3f%n", before, after);
    assertTrue(after > 0.7 && after > before + 0.15, "accuracy " + before + " -> " + after);
  }

  @Test
  void badInputsAreNamed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Mann(new long[] {4}, 2, 12, 1, 6, 1, 0.9, 1, 1))
        .getMessage().contains("slots (1) must exceed the number of reads (1)"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Mann(new long[] {4}, 2, 0, 8, 6, 1, 0.9, 1, 1))
        .getMessage().contains("controller size"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new Mann(new long[] {1, 28, 28}, 5, 8, 8, 4, 1, 0.9, 1, 3)).getMessage()
        .contains("pool factor 3 must divide the image size 28x28"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Mann(new long[] {4}, 2, 8, 8, 4, 1, 0.9, 1, 2))
        .getMessage().contains("applies to images only"));
    Mann mann = small();
    Params meta = mann.initialize(1, DataType.DOUBLE);
    Data[] e = episode(1, 0, 1);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> mann.predict(meta, e[1].x())).getMessage()
        .contains("needs the parameters returned by adapt"));
    Data wrong = new Data(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 2, 5)), e[0].y());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> mann.adapt(meta, wrong, 0)).getMessage()
        .contains("inputs must be [T, n, 4]"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> mann.adapt(meta, e[0], -1)).getMessage()
        .contains("adaptation steps"));
  }
}
