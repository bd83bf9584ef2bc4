package org.bml.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every example's main, with small settings, so the examples compile and run in CI. */
class ExamplesTest {

  @Test
  void mamlSinusoidAdaptsANewTask() {
    String out = run(() -> MamlSinusoid.main(new String[] {"iterations=200", "tasks=50"}));
    Matcher m = Pattern.compile("query MSE ([0-9.]+) before adaptation, ([0-9.]+) after 1 step").matcher(out);
    assertTrue(m.find(), out);
    Matcher before = Pattern.compile("before adaptation: ([0-9.]+) ± ").matcher(out);
    Matcher after = Pattern.compile("after 1 step: +([0-9.]+) ± ").matcher(out);
    assertTrue(before.find() && after.find(), out);
    // Even after 200 meta-steps one inner step helps on average (seeded: seed 1, 50 test tasks).
    assertTrue(Double.parseDouble(after.group(1)) < Double.parseDouble(before.group(1)), out);
    assertTrue(out.contains("(95% CI, 50 tasks)"), out);
  }

  @Test
  void platipusPrintsHypothesesAndAnInterval() {
    String out = run(() -> PlatipusSineAndLine.main(new String[] {"iterations=20", "hypotheses=4"}));
    assertTrue(out.contains("h1") && out.contains("h4") && out.contains("90% interval"), out);
    Matcher row = Pattern.compile("(?m)^ +(-?[0-9.]+)((?: +-?[0-9.]+){4}) +(-?[0-9.]+)  \\[(-?[0-9.]+), (-?[0-9.]+)\\]$")
        .matcher(out);
    int rows = 0;
    double spread = 0;
    while (row.find()) {
      rows++;
      double[] h = java.util.Arrays.stream(row.group(2).trim().split(" +")).mapToDouble(Double::parseDouble).toArray();
      double mean = Double.parseDouble(row.group(3));
      assertEquals(java.util.Arrays.stream(h).average().orElseThrow(), mean, 2e-3, "mixture mean of " + row.group());
      assertTrue(Double.parseDouble(row.group(4)) < mean && mean < Double.parseDouble(row.group(5)), row.group());
      spread = Math.max(spread, java.util.Arrays.stream(h).max().orElseThrow() - java.util.Arrays.stream(h).min()
          .orElseThrow());
    }
    assertEquals(11, rows, out);
    assertTrue(spread > 0, "sampled hypotheses differ: " + out);
  }

  @Test
  void protoNetReportsAccuracyAndCalibrationOnOmniglot() {
    Assumptions.assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found (see OmniglotPaths)");
    String out = run(() -> ProtoNetOmniglot.main(new String[] {"iterations=2", "tasks=10", "meta-batch=2", "queries=5"}));
    Matcher acc = Pattern.compile("accuracy ([0-9.]+) ± ").matcher(out);
    Matcher ece = Pattern.compile("ECE ([0-9.]+) \\(15 bins, 250 query images\\)").matcher(out);
    assertTrue(acc.find() && ece.find(), out);
    // 5 ways: chance is 0.2, and even a barely trained embedding does better.
    assertTrue(Double.parseDouble(acc.group(1)) > 0.3, out);
    assertTrue(Double.parseDouble(ece.group(1)) <= 1, out);
  }

  @Test
  void badArgumentsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MamlSinusoid.main(new String[] {"iteration=3"}));
    assertEquals("bad argument 'iteration=3': expected name=value with name one of [iterations, tasks]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MamlSinusoid.main(new String[] {"tasks=0"}));
    assertEquals("tasks must be a positive integer, got '0'", e.getMessage());
  }

  private static String run(Runnable main) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(saved);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    saved.print(out);
    return out;
  }
}
