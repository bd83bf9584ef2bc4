package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare --hp [N:]NAME=VALUE}: eval's prediction-only overrides for one checkpoint or for
 * every checkpoint whose method takes them, so the same LLAMA checkpoint can be compared at two
 * prior precisions in one command; the hyper-parameters that shaped training are refused.
 */
class CompareHpOverrideTest {
  private static Path train(Path tmp, String method) {
    Path run = tmp.resolve(method);
    CliRun.Result r = CliRun.run("train", "--method", method, "--iterations", "2", "--meta-batch", "2", "--shots",
        "3", "--queries", "3", "--val-every", "0", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    return run;
  }

  // The value column of the row of `label` and `metric` in the long-format CSV.
  private static String field(List<String> csv, String label, String metric) {
    for (String line : csv) {
      String[] f = line.split(",");
      if (line.startsWith(label) && f[4].equals(metric)) {
        return f[5];
      }
    }
    throw new AssertionError("no " + label + " " + metric + " row in\n" + String.join("\n", csv));
  }

  @Test
  void overridesAPositionOrEveryMethodThatTakesItAndRefusesTheRest(@TempDir Path tmp) throws Exception {
    Path maml = train(tmp, "maml");
    Path llama = train(tmp, "llama");
    Path out = tmp.resolve("cmp");
    CliRun.Result r = CliRun.run("compare", maml.toString(), llama.toString(), llama.toString(), "--tasks", "4",
        "--samples", "4", "--hp", "3:prior-precision=1e4", "--out", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("llama [prior-precision=1e4]"), r.out());
    List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
    String plainNll = field(csv, "llama,", "NLL");
    String tightNll = field(csv, "llama [prior-precision=1e4],", "NLL");
    assertNotEquals(plainNll, tightNll, "the overridden row is measured with its own λ");

    Path bad = tmp.resolve("bad");
    BadInputTest.assertRefused(CliRun.run("compare", maml.toString(), llama.toString(), "--tasks", "2", "--hp",
        "eta=1", "--out", bad.toString()), "compare --hp eta: no checkpoint's method takes it at prediction "
        + "(maml: none; llama: prior-precision, damping)");
    BadInputTest.assertRefused(CliRun.run("compare", maml.toString(), llama.toString(), "--tasks", "2", "--hp",
        "1:damping=1", "--out", bad.toString()), "compare --hp damping: maml has no hyper-parameter that acts only");
    BadInputTest.assertRefused(CliRun.run("compare", maml.toString(), llama.toString(), "--tasks", "2", "--hp",
        "2:eta=0", "--out", bad.toString()), "compare --hp eta: llama takes only prior-precision, damping at compare");
    BadInputTest.assertRefused(CliRun.run("compare", maml.toString(), llama.toString(), "--tasks", "2", "--hp",
        "3:damping=1", "--out", bad.toString()), "checkpoint 3 does not exist (1 to 2)");
    assertFalse(Files.exists(bad), "nothing written");
  }
}
