package org.bml.regularizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The PAC-Bayes β against values worked out by hand (to 1e-12), and its input checks. */
class PacBayesBetaTest {

  /**
   * n = 2, K = 2, δ = 1: coefficient = 2·√(1/2) = 1.4142135623730951, log term = log 6 =
   * 1.791759469228055, β = 1.4142135623730951 / (2·1.3385661990458504) = 0.5282568629706799.
   */
  @Test
  void smallestCaseByHand() {
    PacBayesBeta b = new PacBayesBeta(2, 2, 1.0);
    assertEquals(1.4142135623730951, b.coefficient(), 1e-15);
    assertEquals(1.791759469228055, b.logTerm(), 1e-15);
    assertEquals(0.5282568629706799, b.beta(), 1e-12);
    // bound(0.1, 2) = 0.1 + 1.4142135623730951·√(3.791759469228055) = 0.1 + 1.4142135623730951·1.9472440702767733
    assertEquals(0.1 + 1.4142135623730951 * 1.9472440702767733, b.bound(0.1, 2.0), 1e-12);
  }

  /**
   * The non-mutually-exclusive sinusoid protocol: n = 16 training tasks (the amplitude grid),
   * K = 10 query points, δ = 0.05. √(1/18) = 0.23570226039551584, √(1/30) = 0.18257418583505536,
   * log(16·11/0.05) = log 3520 = 8.166216268592143, √ = 2.8576592289130875,
   * β = 0.4182764462305712 / 5.715318457826175 = 0.0731851513291987.
   */
  @Test
  void sinusoidProtocolByHand() {
    PacBayesBeta b = new PacBayesBeta(16, 10, 0.05);
    assertEquals(0.23570226039551584 + 0.18257418583505536, b.coefficient(), 1e-15);
    assertEquals(8.166216268592143, b.logTerm(), 1e-12);
    assertEquals(0.0731851513291987, b.beta(), 1e-12);
    assertEquals(b.beta(), PacBayesBeta.beta(16, 10, 0.05));
  }

  /** β is the slope of the bound's complexity term at KL = 0 (central difference, 1e-5 relative). */
  @Test
  void betaIsTheSlopeOfTheBoundAtZeroKl() {
    PacBayesBeta b = new PacBayesBeta(1000, 15, 0.01);
    double h = 1e-6;
    double slope = (b.bound(0, 2 * h) - b.bound(0, 0)) / (2 * h); // one-sided: the KL cannot go below 0
    assertTrue(Math.abs(slope - b.beta()) / b.beta() < 1e-5, "slope " + slope + " vs β " + b.beta());
    // More tasks and more query points make β smaller (a weaker penalty is licensed).
    assertTrue(new PacBayesBeta(10_000, 15, 0.01).beta() < b.beta());
    assertTrue(new PacBayesBeta(1000, 150, 0.01).beta() < b.beta());
  }

  @Test
  void badInputIsRejectedWithTheValue() {
    assertMessage(() -> new PacBayesBeta(1, 10, 0.05), "n = 1");
    assertMessage(() -> new PacBayesBeta(16, 1, 0.05), "K = 1");
    assertMessage(() -> new PacBayesBeta(16, 10, 0.0), "got 0.0");
    assertMessage(() -> new PacBayesBeta(16, 10, 1.5), "got 1.5");
    assertMessage(() -> new PacBayesBeta(16, 10, Double.NaN), "NaN");
    PacBayesBeta b = new PacBayesBeta(16, 10, 0.05);
    assertMessage(() -> b.bound(0.1, -1), "got -1.0");
    assertMessage(() -> b.bound(0.1, Double.POSITIVE_INFINITY), "Infinity");
    assertMessage(() -> b.bound(Double.NaN, 1), "NaN");
  }

  private static void assertMessage(Runnable r, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should contain '" + fragment + "'");
  }
}
