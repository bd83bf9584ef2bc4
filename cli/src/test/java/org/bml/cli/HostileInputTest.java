package org.bml.cli;

import static org.bml.cli.BadInputTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input suite of issue 13 (rows 1-11 and cases that already held): each refusal exits
 * 2 with a message naming the problem and writes nothing; stops, full disks and killed writes lose
 * nothing. Tiny sinusoid runs only.
 */
class HostileInputTest {
  private static final String[] BASE = {"train", "--val-every", "0", "--seed", "3"};
  private static final String[] TINY = CliRun.concat(BASE, "--meta-batch", "2", "--shots", "3", "--queries", "3");

  @TempDir
  static Path shared;
  private static Path good;

  @BeforeAll
  static void trainOnce() {
    good = shared.resolve("good");
    CliRun.Result r = CliRun.run(CliRun.concat(TINY, "--iterations", "2", "--out", good.toString()));
    assertEquals(0, r.exit(), r.toString());
  }

  @AfterEach
  void clearHooks() {
    TrainCommand.afterStepForTests = null;
    TrainCommand.stopForTests = null;
    MetricsLog.failAfterLinesForTests = -1;
  }

  private static Map<String, byte[]> entries(Path file) throws IOException {
    Map<String, byte[]> m = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        m.put(e.getName(), zip.readAllBytes());
      }
    }
    return m;
  }

  private static Path rezip(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return file;
  }

  /** ND4J's array encoding with a chosen declared length and the given number of floats. */
  private static byte[] flatArray(long shape, long declared, int floats) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeUTF("MIXED_DATA_TYPES");
      out.writeLong(8);
      out.writeUTF("LONG");
      for (long v : new long[] {2, 1, shape, shape, 1, 8192, 1, 'c'}) {
        out.writeLong(v);
      }
      out.writeUTF("MIXED_DATA_TYPES");
      out.writeLong(declared);
      out.writeUTF("FLOAT");
      for (int i = 0; i < floats; i++) {
        out.writeFloat(1f);
      }
    }
    return buf.toByteArray();
  }

  private static Path crafted(Path tmp, String name, long shape, long declared, int floats) throws IOException {
    Map<String, byte[]> m = entries(good.resolve("checkpoint.bml"));
    m.put("params.bin", flatArray(shape, declared, floats));
    m.remove("updater.bin");
    String meta = new String(m.get("meta.properties"), StandardCharsets.ISO_8859_1);
    m.put("meta.properties", meta.replace("hasUpdaterState=true", "hasUpdaterState=false")
        .getBytes(StandardCharsets.ISO_8859_1));
    return rezip(tmp.resolve(name), m);
  }

  // Row 1: fewer values than the shape.
  @Test
  void row1ShortParamsUnderALargeShape(@TempDir Path tmp) throws Exception {
    Path ck = crafted(tmp, "short.bml", 1761, 10, 10);
    Path json = tmp.resolve("r.jsonl");
    assertRefused(CliRun.run("eval", "--checkpoint", ck.toString(), "--tasks", "2", "--json", json.toString()),
        "(bml-checkpoint-1): entry 'params.bin' holds a data buffer of 10 elements under a shape of 1761");
    assertFalse(Files.exists(json));
  }

  // Row 2: sizes declared, requested or read beyond any reasonable memory.
  @Test
  void row2SizesAreBoundedBeforeAllocating(@TempDir Path tmp) throws Exception {
    Path huge = crafted(tmp, "huge.bml", 5_000_000_000L, 5_000_000_000L, 10);
    assertTrue(Files.size(huge) < 20_000);
    assertRefused(CliRun.run("eval", "--checkpoint", huge.toString()), "declaring 5000000000 FLOAT values");

    Path out = tmp.resolve("out");
    CliRun.Result shots = CliRun.run(CliRun.concat(BASE, "--shots", "50000000", "--out", out.toString()));
    assertRefused(shots, "needs an estimated");
    assertTrue(shots.err().contains("over the limit of") && shots.err().contains("--memory-limit"), shots.toString());
    assertFalse(Files.exists(out));
    assertRefused(CliRun.run(CliRun.concat(TINY, "--memory-limit", "64m", "--out", out.toString())),
        "over the limit of 64 MB");
    assertRefused(CliRun.run(CliRun.concat(TINY, "--memory-limit", "lots", "--out", out.toString())),
        "--memory-limit 'lots' is not a size");
    assertFalse(Files.exists(out));

    assertRefused(CliRun.run("eval", "--checkpoint", good.toString(), "--uncertainty", "--samples", "100000000"),
        "eval needs an estimated");

    Path big = tmp.resolve("big.csv");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(180L << 20); // sparse: 180 MB without writing them
    }
    Path q = Files.writeString(tmp.resolve("q.csv"), "0.5\n");
    CliRun.Result p = CliRun.run("predict", "--checkpoint", good.toString(), "--support", big.toString(), "--query",
        q.toString());
    assertRefused(p, "188743680 bytes, over the limit of 67108864 bytes");
    assertEquals("", p.out());
  }

  // Row 3: one run per output folder.
  @Test
  void row3ALiveLockRefusesAndAStaleOneIsTakenOver(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    Files.createDirectories(out);
    long me = ProcessHandle.current().pid();
    Files.writeString(out.resolve(RunLock.FILE), "pid=" + me + "\nhost=" + RunLock.host() + "\nstarted=then\n");
    CliRun.Result r = CliRun.run(CliRun.concat(TINY, "--iterations", "2", "--out", out.toString()));
    assertRefused(r, "is in use by another training (pid " + me + " on " + RunLock.host());
    assertEquals(List.of(out.resolve(RunLock.FILE)), CliRun.files(out));

    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(out.resolve(RunLock.FILE), "pid=" + gone.pid() + "\nhost=" + RunLock.host() + "\nstarted=then\n");
    CliRun.Result s = CliRun.run(CliRun.concat(TINY, "--iterations", "2", "--out", out.toString()));
    assertEquals(0, s.exit(), s.toString());
    assertTrue(s.err().contains("taking over the stale lock") && s.err().contains("pid " + gone.pid()), s.toString());
    assertFalse(Files.exists(out.resolve(RunLock.FILE)), "released at the end");
  }

  // Row 4: overflow is bad input, not divergence, and leaves no folder.
  @Test
  void row4OverflowIsBadInput(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    CliRun.Result r = CliRun.run(CliRun.concat(BASE, "--shots", "2000000000", "--queries", "2000000000",
        "--meta-batch", "2000000000", "--out", out.toString()));
    assertRefused(r, "needs an estimated more than 9 EB");
    assertFalse(Files.exists(out));
    TrainCommand.afterStepForTests = (i, opt) -> Math.multiplyExact(Integer.MAX_VALUE, 2);
    CliRun.Result o = CliRun.run(CliRun.concat(TINY, "--iterations", "3", "--out", out.toString()));
    assertRefused(o, "sizes too large: integer overflow");
    assertFalse(o.err().contains("not finite"), o.toString());
    assertFalse(Files.exists(out), "the folder this run created is removed again");
  }

  // Row 5: a full disk while writing metrics saves a checkpoint and leaves only whole lines.
  @Test
  void row5FullDiskSavesACheckpointAndKeepsLinesWhole(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    MetricsLog.failAfterLinesForTests = 4;
    CliRun.Result r = CliRun.run(CliRun.concat(TINY, "--iterations", "50", "--checkpoint-every", "0", "--log-every",
        "1", "--out", out.toString()));
    assertRefused(r, "No space left on device (simulated); training stopped: the state after 5 iterations was saved");
    assertEquals(5, Checkpoint.read(out.resolve("checkpoint.bml")).iteration());
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(4, lines.size());
    assertTrue(Files.readString(out.resolve("metrics.jsonl")).endsWith("}\n"));
  }

  // Rows 6 and 8: a stop finishes the iteration, checkpoints with the running averages, and the
  // resumed metrics equal the uninterrupted ones.
  @Test
  void row6And8StopCheckpointsAndResumedMetricsEqualUninterrupted(@TempDir Path tmp) throws Exception {
    String[] opts = CliRun.concat(TINY, "--iterations", "9", "--log-every", "3", "--checkpoint-every", "100");
    Path straight = tmp.resolve("straight");
    assertEquals(0, CliRun.run(CliRun.concat(opts, "--out", straight.toString())).exit());
    Path split = tmp.resolve("split");
    GracefulStop stop = GracefulStop.install();
    stop.close();
    TrainCommand.stopForTests = stop;
    TrainCommand.afterStepForTests = (i, opt) -> {
      if (i == 4) {
        stop.request();
      }
    };
    CliRun.Result a = CliRun.run(CliRun.concat(opts, "--out", split.toString()));
    assertEquals(0, a.exit(), a.toString());
    assertTrue(a.err().contains("stopped by a signal after iteration 5; checkpoint written"), a.toString());
    assertEquals(5, Checkpoint.read(split.resolve("checkpoint.bml")).iteration());
    TrainCommand.stopForTests = null;
    TrainCommand.afterStepForTests = null;
    CliRun.Result b = CliRun.run("train", "--resume", "--out", split.toString());
    assertEquals(0, b.exit(), b.toString());
    assertEquals(withoutTimes(straight), withoutTimes(split));
    ResumeTest.assertBitEqual(Checkpoint.read(straight.resolve("checkpoint.bml")).params(),
        Checkpoint.read(split.resolve("checkpoint.bml")).params());
  }

  static List<String> withoutTimes(Path run) throws IOException {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
        .map(l -> l.replaceAll(",\"elapsed_s\":[^,}]+", "")).toList();
  }

  // Row 7: temporary files of an interrupted write are removed by the next run.
  @Test
  void row7StaleTemporariesAreRemoved(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, CliRun.run(CliRun.concat(TINY, "--iterations", "2", "--out", run.toString())).exit());
    Files.writeString(run.resolve("checkpoint.bml123456.tmp"), "half");
    Files.writeString(run.resolve(".metrics.jsonl99.tmp"), "half");
    CliRun.Result r = CliRun.run("train", "--resume", "--out", run.toString(), "--iterations", "3");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("removed 2 stale temporary file(s)"), r.toString());
    assertEquals(2, CliRun.files(run).size(), CliRun.files(run).toString());
  }

  // Row 11 and cases that already held.
  @Test
  void row11SmallMessages(@TempDir Path tmp) throws Exception {
    Path cut = tmp.resolve("cut.bml");
    Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(good.resolve("checkpoint.bml")), 30));
    CliRun.Result r = CliRun.run("eval", "--checkpoint", cut.toString());
    assertRefused(r, "cut.bml (bml-checkpoint-1) is unreadable");
    assertFalse(r.err().contains("(null)"), r.toString());

    Map<String, byte[]> m = entries(good.resolve("checkpoint.bml"));
    String meta = new String(m.get("meta.properties"), StandardCharsets.ISO_8859_1);
    m.put("meta.properties", meta.replaceFirst("iteration=2", "iteration=-3").getBytes(StandardCharsets.ISO_8859_1));
    assertRefused(CliRun.run("eval", "--checkpoint", rezip(tmp.resolve("neg.bml"), m).toString()),
        "negative iteration -3");

    assertRefused(CliRun.run("eval", "--checkpoint", good.toString(), "--tasks", "1"), "--tasks must be >= 2");
    Path q = Files.writeString(tmp.resolve("q.csv"), "0.5\n");
    assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", tmp.toString(), "--query",
        q.toString()), "is a directory, not a CSV file");
    Path locked = Files.writeString(tmp.resolve("locked.csv"), "1,2\n");
    if (locked.toFile().setReadable(false) && !Files.isReadable(locked)) { // root reads anything
      assertRefused(CliRun.run("predict", "--checkpoint", good.toString(), "--support", locked.toString(), "--query",
          q.toString()), "locked.csv: permission denied");
    }

    byte[] bytes = Files.readAllBytes(good.resolve("checkpoint.bml"));
    bytes[bytes.length / 2] ^= 0x5a;
    Path flipped = Files.write(tmp.resolve("flipped.bml"), bytes);
    assertRefused(CliRun.run("eval", "--checkpoint", flipped.toString()), "flipped.bml");
    assertEquals(List.of(), CliRun.files(tmp).stream().filter(p -> p.toString().endsWith(".jsonl")).toList());
  }
}
