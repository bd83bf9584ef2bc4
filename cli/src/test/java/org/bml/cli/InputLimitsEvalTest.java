package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The adapt-only estimates (eval, predict) stay above the peaks measured for them, and stop
 * refusing ordinary evaluations that the training-tape factors over-stated 20× (for example the
 * README's MR-MAML(A) evaluation, 124.8 GB before).
 */
class InputLimitsEvalTest {
  private static final long GB = 1L << 30;

  @Test
  void coversTheMeasuredPeaks() {
    // Measured maximum RSS of `eval` (whole process): sinusoid MAML, 25 tasks × (10 + 200) points,
    // 300 steps: 0.86 GB; Omniglot Conv-4 MAML 5-way 1-shot 15 queries, batch 4, 20 steps: 5.85 GB.
    long sine = InputLimits.evalEstimate(Datasets.get("sinusoid"), new Datasets.Episode(1, 10, 200), 25, 300, 0);
    long omni = InputLimits.evalEstimate(Datasets.get("omniglot"), new Datasets.Episode(5, 1, 15), 4, 20, 0);
    assertTrue(sine > (long) (0.86 * GB), "sinusoid estimate " + sine);
    assertTrue(omni > (long) (5.85 * GB), "omniglot estimate " + omni);
  }

  @Test
  void ordinaryEvaluationsFitAnOrdinaryMachine() {
    // The README's MR-MAML(A) evaluation: nonmutex-sinusoid, 5 shots, 200 queries, 100 steps, batch 25.
    long mra = InputLimits.evalEstimate(Datasets.get("nonmutex-sinusoid"), new Datasets.Episode(1, 5, 200), 25, 100, 0);
    long omni = InputLimits.evalEstimate(Datasets.get("omniglot"), new Datasets.Episode(5, 1, 15), 4, 10, 10);
    assertTrue(mra < 4 * GB, "nonmutex-sinusoid estimate " + mra);
    assertTrue(omni < 16 * GB, "omniglot estimate " + omni);
  }

  @Test
  void absurdSizesAreStillRefused() {
    long huge = InputLimits.evalEstimate(Datasets.get("sinusoid"), new Datasets.Episode(1, 10, 10), 25, 1, 100_000_000);
    assertTrue(huge > 1000 * GB, "10^8 hypotheses estimate " + huge);
  }
}
