package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --workers N}: the meta-batch's shards on N threads, same run as the chunked one. */
class WorkersCliTest {
  private static final String[] OPTS = {"train", "--iterations", "4", "--meta-batch", "4", "--shots", "5", "--queries",
      "5", "--val-every", "0", "--checkpoint-every", "2", "--log-every", "1", "--seed", "3"};

  private static double[] params(Path dir) {
    return Checkpoint.read(dir.resolve("checkpoint.bml")).params().dup().data().asDouble();
  }

  @Test
  void twoWorkersTrainBitForBitAsTwoChunksInOneThread(@TempDir Path tmp) throws Exception {
    Path threads = tmp.resolve("threads");
    Path chunks = tmp.resolve("chunks");
    CliRun.Result a = CliRun.run(CliRun.concat(OPTS, "--workers", "2", "--out", threads.toString()));
    assertEquals(0, a.exit(), a.toString());
    CliRun.Result b = CliRun.run(CliRun.concat(OPTS, "--chunk", "2", "--out", chunks.toString()));
    assertEquals(0, b.exit(), b.toString());
    assertArrayEquals(params(chunks), params(threads));
    List<Map<String, String>> ma = CliRun.jsonLines(threads.resolve("metrics.jsonl"));
    List<Map<String, String>> mb = CliRun.jsonLines(chunks.resolve("metrics.jsonl"));
    for (int i = 0; i < 4; i++) {
      assertEquals(mb.get(i).get("loss"), ma.get(i).get("loss"), "loss at iteration " + i);
    }
    Map<String, String> prov = Checkpoint.read(threads.resolve("checkpoint.bml")).provenance();
    assertEquals("threads:2", prov.get("executor"), prov.toString());
    assertEquals("2", prov.get("shard-tasks"), prov.toString());
  }

  @Test
  void aRunResumesWithAnotherWorkerCount(@TempDir Path tmp) {
    Path straight = tmp.resolve("straight");
    Path split = tmp.resolve("split");
    assertEquals(0, CliRun.run(CliRun.concat(OPTS, "--out", straight.toString())).exit());
    String[] first = CliRun.concat(OPTS, "--workers", "4", "--out", split.toString());
    first[2] = "2";
    assertEquals(0, CliRun.run(first).exit());
    CliRun.Result r = CliRun.run("train", "--resume", "--out", split.toString(), "--iterations", "4");
    assertEquals(0, r.exit(), r.toString());
    double[] a = params(straight);
    double[] b = params(split);
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += a[i] * a[i];
    }
    // float32 sums in another order: equal to rounding, not bit for bit.
    assertTrue(Math.sqrt(num / den) < 1e-5, "relative difference " + Math.sqrt(num / den));
  }

  @Test
  void badWorkerOptionsAreRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    String[][] bad = {
        {"--workers", "0"},
        {"--workers", "2", "--spark", "local[2]"},
        {"--spark", "local[2]"},
        {"--workers", "100000"},
    };
    String[] expect = {"--workers", "exclude each other", "no 'spark' executor on the class path", "more than 1024"};
    for (int i = 0; i < bad.length; i++) {
      CliRun.Result r = CliRun.run(CliRun.concat(CliRun.concat(OPTS, "--out", out.toString()), bad[i]));
      assertEquals(Main.EXIT_BAD_INPUT, r.exit(), r.toString());
      assertTrue(r.err().contains(expect[i]), r.toString());
      assertTrue(CliRun.files(out).isEmpty(), "nothing written for " + String.join(" ", bad[i]));
    }
  }
}
