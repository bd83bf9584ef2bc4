package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --hp} changes a hyper-parameter that acts only at prediction (LLAMA's Laplace
 * posterior: the calibration runs found its default prior precision far too small for Conv-4),
 * and refuses the ones that shaped the trained parameters.
 */
class EvalHpOverrideTest {
  private static Path trainLlama(Path tmp) {
    Path run = tmp.resolve("llama");
    CliRun.Result r = CliRun.run("train", "--method", "llama", "--iterations", "2", "--meta-batch", "2", "--shots",
        "3", "--queries", "3", "--val-every", "0", "--out", run.toString());
    assertEquals(0, r.exit(), r.toString());
    return run;
  }

  private static String eval(Path run, Path json, String... more) {
    CliRun.Result e = CliRun.run(CliRun.concat(new String[] {"eval", "--checkpoint", run.toString(), "--tasks", "4",
        "--uncertainty", "--samples", "4", "--json", json.toString()}, more));
    assertEquals(0, e.exit(), e.toString());
    return e.out();
  }

  @Test
  void priorPrecisionChangesOnlyThePredictive(@TempDir Path tmp) throws Exception {
    Path run = trainLlama(tmp);
    Path a = tmp.resolve("a.jsonl");
    Path b = tmp.resolve("b.jsonl");
    String plain = eval(run, a);
    String tight = eval(run, b, "--hp", "prior-precision=1e4");
    assertFalse(plain.contains("test-time prior-precision"), plain);
    assertTrue(tight.contains("test-time prior-precision=1e4"), tight);
    Map<String, String> la = CliRun.jsonLines(a).get(0);
    Map<String, String> lb = CliRun.jsonLines(b).get(0);
    assertEquals(la.get("loss"), lb.get("loss"), "the adapted mode does not depend on λ");
    assertNotEquals(la.get("predictive_nll"), lb.get("predictive_nll"), "the sampled posterior does");
  }

  @Test
  void hyperParametersOfTrainingAreRefused(@TempDir Path tmp) throws Exception {
    Path run = trainLlama(tmp);
    Path json = tmp.resolve("x.jsonl");
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--hp", "eta=1",
        "--json", json.toString()), "eval --hp eta: llama takes only prior-precision, damping at eval");
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--hp",
        "prior-precision", "--json", json.toString()), "--hp expects NAME=VALUE, got 'prior-precision'");
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--hp",
        "prior-precision=-1", "--json", json.toString()), "prior-precision");
    assertFalse(Files.exists(json), "nothing written");
  }

  @Test
  void methodsWithoutPredictionHyperParametersRefuseAny(@TempDir Path tmp) {
    Path run = tmp.resolve("maml");
    assertEquals(0, CliRun.run("train", "--iterations", "2", "--meta-batch", "2", "--val-every", "0", "--out",
        run.toString()).exit());
    BadInputTest.assertRefused(CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "2", "--hp", "damping=1"),
        "eval --hp damping: maml has no hyper-parameter that acts only at prediction");
  }
}
