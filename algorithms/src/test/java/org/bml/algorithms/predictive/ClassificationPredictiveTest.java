package org.bml.algorithms.predictive;

import static org.bml.algorithms.predictive.UncertaintyMetricsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Averaged softmax probabilities over hypotheses. */
class ClassificationPredictiveTest {
  @Test
  void probabilitiesAreTheMeanOfTheHypothesesSoftmax() {
    double[][][][] logits = {
        {{{0, 0, Math.log(2)}, {5, 0, 0}}},
        {{{Math.log(3), 0, 0}, {0, 0, 5}}}};
    ClassificationPredictive p = new ClassificationPredictive(logits);
    double[][][] probs = p.probabilities();
    // Point 0: (¼, ¼, ½) and (⅗, ⅕, ⅕) averaged.
    assertArrayEquals(new double[] {(0.25 + 0.6) / 2, (0.25 + 0.2) / 2, (0.5 + 0.2) / 2}, probs[0][0], 1e-15);
    double e = Math.exp(5);
    assertArrayEquals(new double[] {(e / (e + 2) + 1 / (e + 2)) / 2, 1 / (e + 2), (1 / (e + 2) + e / (e + 2)) / 2},
        probs[0][1], 1e-15);
    assertArrayEquals(new int[] {0, 0}, p.predictedClass()[0], "point 1 ties classes 0 and 2: lowest index");
    double[][] lp = p.logProbability(new int[][] {{2, 1}});
    assertEquals(Math.log(0.35), lp[0][0], 1e-14);
    assertEquals(Math.log(1 / (e + 2)), lp[0][1], 1e-14);
    assertEquals(2, p.hypotheses());
    assertArrayEquals(new double[] {0.6, 0.2, 0.2}, p.hypothesisProbabilities()[1][0][0], 1e-15);
    assertArrayEquals(logits[1][0][1], p.logits()[1][0][1]);
  }

  @Test
  void logProbabilityOfAVeryUnlikelyClassIsFinite() {
    ClassificationPredictive p = new ClassificationPredictive(new double[][][][] {{{{1000, 0}}}, {{{2000, 0}}}});
    // log ½(e^−1000 + e^−2000) = −1000 + log ½(1 + e^−1000).
    assertEquals(-1000 - Math.log(2), p.logProbability(new int[][] {{1}})[0][0], 1e-9);
    assertEquals(1.0, p.probabilities()[0][0][0], 0);
  }

  @Test
  void badInputIsRejected() {
    assertBad("at least one hypothesis", () -> new ClassificationPredictive(new double[0][][][]));
    assertBad("2 classes", () -> new ClassificationPredictive(new double[][][][] {{{{1}}}}));
    assertBad("not finite", () -> new ClassificationPredictive(new double[][][][] {{{{1, Double.NaN}}}}));
    assertBad("not finite", () -> new ClassificationPredictive(
        new double[][][][] {{{{1, Double.POSITIVE_INFINITY}}}}));
    assertBad("class scores", () -> new ClassificationPredictive(new double[][][][] {{{{1, 2}}}, {{{1, 2, 3}}}}));
    ClassificationPredictive p = new ClassificationPredictive(new double[][][][] {{{{1, 2}}}});
    assertBad("[0, 2)", () -> p.logProbability(new int[][] {{2}}));
    assertBad("labels", () -> p.logProbability(new int[][] {{0}, {1}}));
  }
}
