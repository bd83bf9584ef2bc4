package org.bml.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DivergenceScreenTest {
  @Test
  void explodingAndNonFiniteTasksAreCountedAndLeftOutOfTheKeptMean() {
    double[] losses = {0.5, 0.4, 1e11, 0.6, Double.NaN, 0.5, Double.POSITIVE_INFINITY};
    DivergenceScreen.Screened s = DivergenceScreen.screen(losses);
    assertArrayEquals(new int[] {2, 4, 6}, s.diverged());
    assertEquals(7, s.tasks());
    assertEquals(0.5, s.kept().mean(), 1e-15);
    assertEquals(4, s.kept().tasks());
    assertTrue(Double.isNaN(s.all().mean()), "a non-finite loss makes the plain mean undefined, not hidden");
    // sorted: 0.4 0.5 0.5 0.6 1e11 inf inf → median 0.6
    assertEquals(0.6, s.median(), 0);
    assertEquals(600, s.threshold(), 1e-12);
  }

  @Test
  void theRuleIsAThousandTimesTheMedian() {
    double[] losses = {1, 1, 1, 1000, 1000.5};
    DivergenceScreen.Screened s = DivergenceScreen.screen(losses);
    assertArrayEquals(new int[] {4}, s.diverged(), "1000 × median 1 = 1000 is kept; 1000.5 diverged");
    assertEquals((1 + 1 + 1 + 1000 + 1000.5) / 5, s.all().mean(), 1e-12);
  }

  @Test
  void healthyLossesKeepTheirPlainMean() {
    double[] losses = {0.1, 0.3, 0.2, 0.25};
    DivergenceScreen.Screened s = DivergenceScreen.screen(losses);
    assertEquals(0, s.divergedCount());
    assertEquals(s.all(), s.kept());
  }

  @Test
  void aZeroMedianFlagsOnlyNonFiniteLosses() {
    DivergenceScreen.Screened s = DivergenceScreen.screen(new double[] {0, 0, 0, 5, Double.NaN});
    assertArrayEquals(new int[] {4}, s.diverged());
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DivergenceScreen.screen(new double[0]));
    assertThrows(IllegalArgumentException.class, () -> DivergenceScreen.screen(new double[] {1}, 1));
  }
}
