package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Omniglot through the command line with a tiny ProtoNet run (2-way 1-shot, one task per
 * iteration): train, evaluate on the test split and on Lake's 20 one-shot runs, predict from CSV.
 * Skipped where the data directory is absent.
 */
class OmniglotCliTest {
  @Test
  void protonetTrainEvalLakeRunsAndPredict(@TempDir Path tmp) throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve("proto");
    // τ = 8 keeps the untrained embedding's logits within float log-softmax range (a logit gap
    // above ~100 underflows ND4J's float log_softmax to -inf and the cross-entropy to NaN).
    CliRun.Result r = CliRun.run("train", "--method", "protonet", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "1", "--meta-batch", "2", "--iterations", "2", "--val-every", "2", "--val-tasks", "2", "--hp",
        "temperature=8", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("accuracy"), r.toString());

    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--ways", "3");
    assertEquals(0, e.exit(), e.toString());
    assertTrue(e.out().contains("3-way 1-shot"), e.toString());
    assertTrue(e.out().contains("accuracy"), e.toString());

    CliRun.Result lake = CliRun.run("eval", "--checkpoint", run.toString(), "--lake-runs");
    assertEquals(0, lake.exit(), lake.toString());
    assertTrue(lake.out().contains("Lake et al. one-shot runs (20 runs, 20-way 1-shot)"), lake.toString());
    assertTrue(lake.out().contains("20 runs)"), lake.toString());

    StringBuilder support = new StringBuilder();
    StringBuilder query = new StringBuilder();
    for (int c = 0; c < 2; c++) {
      StringBuilder pixels = new StringBuilder();
      for (int i = 0; i < 784; i++) {
        pixels.append(i > 0 ? "," : "").append((i / 28 + c * 7) % 14 < 7 ? 1 : 0);
      }
      support.append(pixels).append(',').append(c).append('\n');
      query.append(pixels).append('\n');
    }
    Path s = Files.writeString(tmp.resolve("support.csv"), support);
    Path q = Files.writeString(tmp.resolve("query.csv"), query);
    CliRun.Result p = CliRun.run("predict", "--checkpoint", run.toString(), "--support", s.toString(), "--query",
        q.toString());
    assertEquals(0, p.exit(), p.toString());
    String[] rows = p.out().strip().split("\n");
    assertEquals("row,prediction,p0,p1", rows[0]);
    assertEquals(3, rows.length);
    assertTrue(rows[1].startsWith("1,0,"), "a support image is classified as its own class: " + rows[1]);
    assertTrue(rows[2].startsWith("2,1,"), rows[2]);

    Path bad = Files.writeString(tmp.resolve("bad.csv"), support.toString().replace(",1\n", ",7\n"));
    CliRun.Result b = CliRun.run("predict", "--checkpoint", run.toString(), "--support", bad.toString(), "--query",
        q.toString());
    BadInputTest.assertRefused(b, "bad.csv:2: column 785: class label 7 is not an integer in 0..1");
  }

  @Test
  void mamlCheckpointDoesNotFitLakeRuns(@TempDir Path tmp) {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path run = tmp.resolve("maml");
    CliRun.Result r = CliRun.run("train", "--method", "maml", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "1", "--meta-batch", "1", "--iterations", "1", "--val-every", "0", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--lake-runs"),
        "with 20 way(s)");
  }
}
