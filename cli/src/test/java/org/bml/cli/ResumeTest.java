package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code --resume} continues bit-identically, learning-rate schedule included. */
class ResumeTest {
  private static final String[] OPTS = {"train", "--meta-batch", "3", "--shots", "4", "--queries", "4", "--val-every", "0",
      "--checkpoint-every", "2", "--log-every", "1", "--lr-schedule", "step:2:0.5", "--seed", "7"};

  @Test
  void resumedRunEqualsUninterruptedRunBitForBit(@TempDir Path tmp) throws Exception {
    Path straight = tmp.resolve("straight");
    Path split = tmp.resolve("split");
    CliRun.Result a = CliRun.run(CliRun.concat(OPTS, "--iterations", "7", "--out", straight.toString()));
    assertEquals(0, a.exit(), a.toString());
    CliRun.Result b1 = CliRun.run(CliRun.concat(OPTS, "--iterations", "3", "--out", split.toString()));
    assertEquals(0, b1.exit(), b1.toString());
    assertEquals(3, Checkpoint.read(split.resolve("checkpoint.bml")).iteration());
    CliRun.Result b2 = CliRun.run("train", "--resume", "--out", split.toString(), "--iterations", "7");
    assertEquals(0, b2.exit(), b2.toString());
    assertTrue(b2.err().contains("--iterations changed from 3 to 7"), b2.toString());

    Checkpoint ca = Checkpoint.read(straight.resolve("checkpoint.bml"));
    Checkpoint cb = Checkpoint.read(split.resolve("checkpoint.bml"));
    assertEquals(7, cb.iteration());
    assertBitEqual(ca.params(), cb.params());
    assertBitEqual(ca.updaterState(), cb.updaterState());

    List<Map<String, String>> ma = CliRun.jsonLines(straight.resolve("metrics.jsonl"));
    List<Map<String, String>> mb = CliRun.jsonLines(split.resolve("metrics.jsonl"));
    assertEquals(7, mb.size(), mb.toString());
    for (int i = 0; i < 7; i++) {
      assertEquals(Integer.toString(i + 1), mb.get(i).get("iteration"), "lines count iterations done");
      assertEquals(ma.get(i).get("loss"), mb.get(i).get("loss"), "loss at iteration " + i);
      assertEquals(ma.get(i).get("lr"), mb.get(i).get("lr"), "lr at iteration " + i);
    }
    assertEquals(1e-3 * 0.125, Double.parseDouble(mb.get(6).get("lr")), 1e-15, "step schedule continued");

    CliRun.Result done = CliRun.run("train", "--resume", "--out", split.toString());
    assertEquals(0, done.exit(), done.toString());
    assertTrue(done.out().contains("nothing to do"), done.toString());
  }

  @Test
  void resumeRefusesOptionsThatChangeTheModelOrTaskStream(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    assertEquals(0, CliRun.run(CliRun.concat(OPTS, "--iterations", "2", "--out", run.toString())).exit());
    CliRun.Result r = CliRun.run("train", "--resume", "--out", run.toString(), "--iterations", "4", "--inner-lr",
        "0.02");
    assertEquals(Main.EXIT_BAD_INPUT, r.exit(), r.toString());
    assertTrue(r.err().contains("bml: error: --inner-lr 0.02 differs from the resumed run's 0.01"), r.toString());
    CliRun.Result fresh = CliRun.run(CliRun.concat(OPTS, "--iterations", "2", "--out", run.toString()));
    assertEquals(Main.EXIT_BAD_INPUT, fresh.exit(), fresh.toString());
    assertTrue(fresh.err().contains("already holds a run"), fresh.toString());
  }

  static void assertBitEqual(INDArray a, INDArray b) {
    assertEquals(a.length(), b.length());
    for (long i = 0; i < a.length(); i++) {
      assertEquals(Float.floatToIntBits(a.getFloat(i)), Float.floatToIntBits(b.getFloat(i)), "entry " + i);
    }
  }
}
