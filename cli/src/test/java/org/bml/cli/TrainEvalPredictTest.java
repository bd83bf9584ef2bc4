package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train → eval → predict on sinusoids through the command line. */
class TrainEvalPredictTest {
  @Test
  void trainThenEvalThenPredict(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    CliRun.Result train = CliRun.run(CliRun.concat(CliRun.QUICK, "--out", run.toString()));
    assertEquals(0, train.exit(), train.toString());
    assertTrue(train.err().contains("train 6/6"), train.toString());

    Checkpoint ckpt = Checkpoint.read(run.resolve("checkpoint.bml"));
    assertEquals(6, ckpt.iteration());
    assertEquals("maml", ckpt.config().get("method"));
    assertEquals("sinusoid", ckpt.config().get("dataset"));
    assertEquals("5", ckpt.config().get("shots"));
    assertTrue(ckpt.provenance().containsKey("git"), ckpt.provenance().toString());

    List<Map<String, String>> metrics = CliRun.jsonLines(run.resolve("metrics.jsonl"));
    long trainLines = metrics.stream().filter(m -> !m.containsKey("event")).count();
    long valLines = metrics.stream().filter(m -> "validation".equals(m.get("event"))).count();
    assertEquals(6, trainLines, metrics.toString());
    assertEquals(2, valLines, metrics.toString());
    for (Map<String, String> m : metrics) {
      assertTrue(m.containsKey("iteration") && m.containsKey("elapsed_s"), m.toString());
      if (!m.containsKey("event")) {
        assertTrue(Double.isFinite(Double.parseDouble(m.get("loss"))), m.toString());
        assertEquals(1e-3, Double.parseDouble(m.get("lr")), 0);
      }
    }
    try (var s = Files.list(run)) {
      assertEquals(List.of("checkpoint.bml", "metrics.jsonl"),
          s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
    }

    Path json = tmp.resolve("eval.jsonl");
    CliRun.Result eval = CliRun.run("eval", "--checkpoint", run.toString(), "--tasks", "20", "--steps", "0,1",
        "--json", json.toString());
    assertEquals(0, eval.exit(), eval.toString());
    assertTrue(eval.out().contains("after  0 step(s): query MSE"), eval.toString());
    assertTrue(eval.out().contains("after  1 step(s): query MSE"), eval.toString());
    List<Map<String, String>> lines = CliRun.jsonLines(json);
    assertEquals(2, lines.size());
    assertEquals("20", lines.get(0).get("tasks"));
    assertEquals("1", lines.get(1).get("steps"));
    assertTrue(Double.parseDouble(lines.get(1).get("loss_ci95")) > 0);
    CliRun.Result again = CliRun.run("eval", "--checkpoint", run.resolve("checkpoint.bml").toString(), "--tasks", "20",
        "--steps", "1", "--json", json.toString());
    assertEquals(0, again.exit(), again.toString());
    assertEquals(3, CliRun.jsonLines(json).size(), "appended");
    assertEquals(lines.get(1).get("loss"), CliRun.jsonLines(json).get(2).get("loss"), "same tasks, same result");

    Path support = tmp.resolve("support.csv");
    Path query = tmp.resolve("query.csv");
    Files.writeString(support, "x,y\n-3,0.5\n-1,1.2\n0.5,1.9\n2,0.3\n4,-1.0\n");
    Files.writeString(query, "-2\n0\n1.5\n");
    CliRun.Result pred = CliRun.run("predict", "--checkpoint", run.toString(), "--support", support.toString(),
        "--query", query.toString(), "--steps", "2");
    assertEquals(0, pred.exit(), pred.toString());
    String[] rows = pred.out().strip().split("\n");
    assertEquals("x,prediction", rows[0]);
    assertEquals(4, rows.length, pred.out());
    assertTrue(rows[1].startsWith("-2,"), rows[1]);
    for (int i = 1; i < rows.length; i++) {
      assertTrue(Double.isFinite(Double.parseDouble(rows[i].split(",")[1])), rows[i]);
    }
  }
}
