package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bml.datasets.omniglot.OmniglotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLAMA's {@code --hp fisher=exact|mc} (the Monte-Carlo Fisher of Martens &amp; Grosse 2015 §5) through
 * the command line, and the training memory estimate that counts the curvature's recorded reverse
 * passes (Grant et al. 2018's meta-gradient differentiates log det H, so each pass is on the tape):
 * the exact factor's rank is the number of classes, the Monte-Carlo one's {@code mc-samples}.
 */
class LlamaFisherCliTest {
  private static final long GB = 1L << 30;

  private static RunConfig omniglot(int ways, int queries, Map<String, String> hp) {
    return new RunConfig("llama", "none", "omniglot", "maml", "transductive", ways, 1, queries, 1, 0.4, 1e-3, "adam", 1,
        1, 10, 1, 0, "constant", hp);
  }

  @Test
  void estimateCountsTheCurvaturePasses() {
    // Measured maximum RSS (3 iterations, 1 task per pass, 1 inner step, -Xmx1g): 20-way 1-shot 5 queries,
    // fisher=exact: stopped by --memory-limit 14g at 14.1 GB before its first iteration (README; the
    // estimate then said 2.7 GB); fisher=mc, 1 sample: 4.26 GB, 2 samples: 4.97 GB; MAML 2.95 GB.
    // 5-way 1-shot 15 queries: exact 3.21 GB, mc 5 samples 3.15 GB, mc 1 sample 2.62 GB; MAML 1.97 GB.
    long exact20 = InputLimits.trainEstimate(omniglot(20, 5, Map.of()));
    long mc20 = InputLimits.trainEstimate(omniglot(20, 5, Map.of("fisher", "mc", "mc-samples", "1")));
    long mc20two = InputLimits.trainEstimate(omniglot(20, 5, Map.of("fisher", "mc", "mc-samples", "2")));
    long exact5 = InputLimits.trainEstimate(omniglot(5, 15, Map.of("fisher", "exact")));
    long mc5 = InputLimits.trainEstimate(omniglot(5, 15, Map.of("fisher", "mc", "mc-samples", "5")));
    long mc5one = InputLimits.trainEstimate(omniglot(5, 15, Map.of("fisher", "mc", "mc-samples", "1")));
    assertTrue(exact20 > (long) (14.1 * GB), "20-way exact estimate " + InputLimits.human(exact20));
    assertTrue(mc20 > (long) (4.26 * GB) && mc20 < 6 * GB, "20-way mc(1) estimate " + InputLimits.human(mc20));
    assertTrue(mc20two > (long) (4.97 * GB), "20-way mc(2) estimate " + InputLimits.human(mc20two));
    assertTrue(exact5 > (long) (3.21 * GB), "5-way exact estimate " + InputLimits.human(exact5));
    assertTrue(mc5 > (long) (3.15 * GB), "5-way mc(5) estimate " + InputLimits.human(mc5));
    assertTrue(mc5one > (long) (2.62 * GB), "5-way mc(1) estimate " + InputLimits.human(mc5one));
    // The Monte-Carlo Fisher with S = ways costs what the exact one does; η = 0 is MAML (no curvature).
    assertEquals(exact5, mc5);
    RunConfig maml = new RunConfig("maml", "none", "omniglot", "maml", "transductive", 20, 1, 5, 1, 0.4, 1e-3, "adam",
        1, 1, 10, 1, 0, "constant", Map.of());
    assertEquals(InputLimits.trainEstimate(maml), InputLimits.trainEstimate(omniglot(20, 5, Map.of("eta", "0"))));
    assertTrue(InputLimits.trainEstimate(maml) < (long) (2.95 * GB) + GB / 2);
  }

  @Test
  void twentyWayExactIsRefusedBeforeStartingAndMonteCarloIsNot(@TempDir Path tmp) {
    Path out = tmp.resolve("om20-llama");
    CliRun.Result r = CliRun.run("train", "--method", "llama", "--dataset", "omniglot", "--ways", "20", "--shots", "1",
        "--queries", "5", "--meta-batch", "1", "--chunk", "1", "--iterations", "1", "--val-every", "0",
        "--memory-limit", "14g", "--out", out.toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("needs an estimated") && r.err().contains("over the limit of 14.0 GB"), r.toString());
    assertFalse(Files.exists(out), "nothing may be written");
  }

  @Test
  void monteCarloFisherOnRegressionOrWithoutAnOutputFactorIsBadInput(@TempDir Path tmp) {
    Path out = tmp.resolve("sine");
    CliRun.Result r = CliRun.run("train", "--method", "llama", "--dataset", "sinusoid", "--iterations", "1",
        "--meta-batch", "1", "--val-every", "0", "--hp", "fisher=mc", "--out", out.toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("fisher=mc") && r.err().contains("classification"), r.toString());
    assertFalse(Files.exists(out), "nothing may be written");
    for (String[] hp : new String[][] {{"fisher=bogus"}, {"fisher=mc", "mc-samples=0"}, {"mc-seed=abc"}}) {
      String[] args = {"train", "--method", "llama", "--dataset", "sinusoid", "--iterations", "1", "--meta-batch", "1",
          "--val-every", "0", "--out", out.toString()};
      for (String h : hp) {
        args = CliRun.concat(args, "--hp", h);
      }
      CliRun.Result b = CliRun.run(args);
      assertEquals(2, b.exit(), String.join(" ", hp) + ": " + b);
      assertTrue(b.err().contains(hp[hp.length - 1].split("=")[0]), b.toString());
      assertFalse(Files.exists(out), "nothing may be written");
    }
  }

  @Test
  void monteCarloFisherTrainsAndEvaluatesOnOmniglot(@TempDir Path tmp) throws Exception {
    assumeTrue(OmniglotPaths.find().isPresent(), "Omniglot data not found");
    Path out = tmp.resolve("hessian");
    CliRun.Result h = CliRun.run("train", "--method", "llama", "--dataset", "omniglot", "--ways", "2", "--shots", "1",
        "--queries", "1", "--meta-batch", "1", "--iterations", "1", "--val-every", "0", "--hp", "fisher=mc", "--hp",
        "curvature=exact-hessian", "--memory-limit", "1000t", "--out", out.toString());
    assertEquals(2, h.exit(), h.toString());
    assertTrue(h.err().contains("exact-hessian"), h.toString());
    assertFalse(Files.exists(out), "nothing may be written");

    Path run = tmp.resolve("mc");
    CliRun.Result r = CliRun.run("train", "--method", "llama", "--dataset", "omniglot", "--ways", "3", "--shots", "1",
        "--queries", "1", "--meta-batch", "1", "--iterations", "2", "--val-every", "0", "--hp", "fisher=mc", "--hp",
        "mc-samples=2", "--hp", "mc-seed=7", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--batch", "2",
        "--uncertainty", "--samples", "2", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    assertTrue(Double.isFinite(Double.parseDouble(line.get("predictive_nll"))), line.toString());
  }
}
