package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meta-lstm} ({@link MetaLstmMethods}) through the command line: a tiny sinusoid run trains,
 * evaluates with {@code --uncertainty} (point predictive, one hypothesis), is listed with its
 * {@code --hp} names, and bad values are refused with exit 2 and nothing written.
 */
class MetaLstmCliTest {
  private static String[] quick(Path out, String... extra) {
    return CliRun.concat(new String[] {"train", "--method", "meta-lstm", "--iterations", "2", "--meta-batch", "2",
        "--shots", "3", "--queries", "3", "--inner-steps", "2", "--val-every", "0", "--out", out.toString(),
        "--hp", "hidden=4"}, extra);
  }

  @Test
  void trainsAndEvaluatesWithUncertainty(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    CliRun.Result r = CliRun.run(quick(run));
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--steps", "2",
        "--uncertainty", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("predictive over 1 hypothes"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    assertTrue(Double.isFinite(Double.parseDouble(line.get("predictive_nll"))), line.toString());
  }

  @Test
  void listedAndBadValuesRefused(@TempDir Path tmp) {
    CliRun.Result list = CliRun.run("train", "--list");
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("meta-lstm") && list.out().contains("forget-bias"), list.toString());
    String[][] bad = {{"--hp", "hidden=0"}, {"--hp", "order=third"}, {"--hp", "forget-bias=nan"},
        {"--inner-lr", "1.5"}, {"--hp", "step=1"}};
    String[] named = {"hidden", "order", "forget-bias", "inner-lr", "step"};
    for (int i = 0; i < bad.length; i++) {
      Path run = tmp.resolve("bad" + i);
      CliRun.Result r = CliRun.run(quick(run, bad[i]));
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains(named[i]), r.toString());
      assertFalse(Files.exists(run.resolve("checkpoint.bml")), "nothing written: " + r);
    }
  }
}
