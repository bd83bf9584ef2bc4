package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --batch-norm}: chosen at training, recorded in the checkpoint, shown by eval, and with
 * {@code per-example} a query point's prediction does not depend on the other query points (with
 * {@code transductive} it does, which shows the check can fail).
 */
class BatchNormCliTest {
  @Test
  void perExampleIsRecordedShownAndQueryIndependent(@TempDir Path tmp) throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path per = train(tmp.resolve("per"), "per-example");
    Path trans = train(tmp.resolve("trans"), "transductive");

    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", per.toString(), "--tasks", "2", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("batch norm per-example"), e.toString());
    assertTrue(Files.readString(json).contains("\"batch_norm\":\"per-example\""), Files.readString(json));

    // Resuming keeps the model: another policy is refused.
    BadInputTest.assertRefused(CliRun.run("train", "--out", per.toString(), "--resume", "--batch-norm", "transductive",
        "--iterations", "2"), "--batch-norm transductive differs from the resumed run's per-example");

    Path support = Files.writeString(tmp.resolve("support.csv"), image(0) + ",0\n" + image(1) + ",1\n");
    Path withB = Files.writeString(tmp.resolve("qb.csv"), image(2) + "\n" + image(3) + "\n");
    Path withC = Files.writeString(tmp.resolve("qc.csv"), image(2) + "\n" + image(4) + "\n");
    assertEquals(firstRow(per, support, withB), firstRow(per, support, withC),
        "per-example: the first query point's probabilities must not depend on the second");
    assertNotEquals(firstRow(trans, support, withB), firstRow(trans, support, withC),
        "transductive: the statistics include the other query point");
  }

  @Test
  void badValuesAndRegressionAreRefused(@TempDir Path tmp) {
    BadInputTest.assertRefused(CliRun.run("train", "--batch-norm", "per-example", "--iterations", "1", "--out",
        tmp.resolve("a").toString()), "--batch-norm applies to the image data sets only (Conv-4), not sinusoid");
    assertFalse(Files.exists(tmp.resolve("a")));
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    BadInputTest.assertRefused(CliRun.run("train", "--dataset", "omniglot", "--batch-norm", "instance", "--iterations",
        "1", "--out", tmp.resolve("b").toString()), "unknown --batch-norm 'instance' (have: transductive, per-example)");
    assertFalse(Files.exists(tmp.resolve("b")));
  }

  @Test
  void checkpointsFromBeforeTheOptionReadAsTransductive() {
    RunConfig c = new RunConfig("maml", "none", "omniglot", "maml", "per-example", 5, 1, 15, 1, 0.4, 1e-3, "adam", 32,
        1, 10, 1, 0, "constant", Map.of());
    Map<String, String> m = new LinkedHashMap<>(c.toMap());
    assertEquals("per-example", RunConfig.fromMap(m, "x").batchNorm());
    m.remove("batch-norm");
    assertEquals("transductive", RunConfig.fromMap(m, "x").batchNorm());
    m.put("omniglot-split", "-");
    m.put("dataset", "sinusoid");
    assertEquals("-", RunConfig.fromMap(m, "x").batchNorm());
  }

  private static Path train(Path out, String mode) {
    CliRun.Result r = CliRun.run("train", "--method", "maml", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "1", "--meta-batch", "1", "--iterations", "1", "--val-every", "0", "--batch-norm", mode, "--out",
        out.toString());
    assertEquals(0, r.exit(), r.toString());
    return out;
  }

  private static String firstRow(Path run, Path support, Path query) {
    CliRun.Result p = CliRun.run("predict", "--checkpoint", run.toString(), "--support", support.toString(), "--query",
        query.toString());
    assertEquals(0, p.exit(), p.toString());
    return p.out().strip().split("\n")[1];
  }

  /** A 28×28 stripe pattern, different for each k. */
  private static String image(int k) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 784; i++) {
      int row = i / 28;
      int col = i % 28;
      b.append(i > 0 ? "," : "").append(((row * (k + 1) + col * k) / 5) % 2);
    }
    return b.toString();
  }
}
