package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The methods of {@link FieldMethodsPart2} through the command line on tiny sinusoid runs: each
 * trains, evaluates with {@code --uncertainty} on its own per-point Gaussian predictive, predicts
 * with an interval, is listed, and refuses bad hyperparameters with exit 2 and nothing written.
 */
class FieldMethodsPart2CliTest {
  private static String[] quick(String method, Path out) {
    String[] base = {"train", "--method", method, "--iterations", "2", "--meta-batch", "2", "--shots", "3",
        "--queries", "3", "--val-every", "0", "--out", out.toString()};
    return method.equals("dkt") ? CliRun.concat(base, "--hp", "feature-hidden=8,4")
        : CliRun.concat(base, "--hp", "summary-dim=8", "--hp", "encoder-hidden=8", "--hp", "decoder-hidden=8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cnp", "np", "dkt"})
  void trainsEvaluatesWithUncertaintyAndPredicts(String method, @TempDir Path tmp) throws Exception {
    Path run = tmp.resolve(method);
    CliRun.Result r = CliRun.run(quick(method, run));
    assertEquals(0, r.exit(), r.toString());
    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result e = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--uncertainty", "--samples",
        "4", "--json", json.toString());
    assertEquals(0, e.exit(), e.toString());
    int hypotheses = method.equals("np") ? 4 : 1;
    assertTrue(e.out().contains("predictive over " + hypotheses + " hypothes"), e.toString());
    Map<String, String> line = CliRun.jsonLines(json).get(0);
    assertEquals("learned per point", line.get("noise"), line.toString());
    assertTrue(Double.isFinite(Double.parseDouble(line.get("predictive_nll"))), line.toString());
    CliRun.Result bad = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "4", "--uncertainty",
        "--noise-std", "0.1");
    assertEquals(0, bad.exit(), "a fixed noise is still allowed: " + bad);

    Path s = Files.writeString(tmp.resolve("support.csv"), "x,y\n-1,-0.8\n0,0.1\n1.5,1.0\n");
    Path q = Files.writeString(tmp.resolve("query.csv"), "x\n-2\n0.5\n3\n");
    CliRun.Result p = CliRun.run("predict", "--checkpoint", run.toString(), "--support", s.toString(), "--query",
        q.toString(), "--samples", "4", "--level", "0.8");
    assertEquals(0, p.exit(), p.toString());
    String[] rows = p.out().strip().split("\n");
    assertEquals(4, rows.length, p.toString());
  }

  @Test
  void listedAndBadHyperparametersRefused(@TempDir Path tmp) {
    CliRun.Result list = CliRun.run("train", "--list");
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("cnp") && list.out().contains("summary-dim"), list.toString());
    Path run = tmp.resolve("bad");
    CliRun.Result r = CliRun.run(CliRun.concat(quick("cnp", run), "--hp", "encoder-hidden=8,x"));
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("encoder-hidden"), r.toString());
    assertTrue(!Files.exists(run.resolve("checkpoint.bml")), "nothing written");
    r = CliRun.run(CliRun.concat(quick("np", tmp.resolve("bad2")), "--hp", "summary-dim=0"));
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("summary-dim"), r.toString());
    r = CliRun.run(CliRun.concat(quick("dkt", tmp.resolve("bad3")), "--hp", "kernel=spectral"));
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("kernel"), r.toString());
  }
}
