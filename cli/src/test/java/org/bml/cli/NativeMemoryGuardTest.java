package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Native memory is bounded by default (issue 13, row 2): past the bound a command stops with exit
 * 2 and a message naming the bound, in a child JVM as {@code ./bml} runs it.
 */
class NativeMemoryGuardTest {
  /** A child that allocates (and touches) 64 MB ND4J arrays, 2.5 GB in all, with 300 MB allowed. */
  static final class Allocate {
    public static void main(String[] args) throws Exception {
      NativeMemoryGuard.start(System.err);
      NativeMemoryGuard.allowMore(300L << 20, "--memory-limit 300m");
      List<INDArray> kept = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        kept.add(Nd4j.create(DataType.FLOAT, 16L << 20).assign(1f));
        Thread.sleep(20);
      }
      System.out.println("allocated all " + kept.size());
      System.exit(0);
    }
  }

  private static Process child(Path errFile, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp", System.getProperty("java.class.path")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errFile.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return p;
  }

  @Test
  void anOverAllocationStopsWithExit2AndTheBound(@TempDir Path tmp) throws Exception {
    Path err = tmp.resolve("err.txt");
    Process p = child(err, Allocate.class.getName());
    String stdout = new String(p.getInputStream().readAllBytes());
    String stderr = Files.readString(err);
    assertEquals(2, p.exitValue(), stdout + stderr);
    assertFalse(stdout.contains("allocated all"), stdout);
    Matcher m = Pattern.compile("bml: error: resident memory (\\d+) MB is over the bound of (\\d+) MB \\("
        + "--memory-limit 300m above the \\d+ MB held at the start\\): stopped").matcher(stderr);
    assertTrue(m.find(), stderr);
    // Polled every 10 ms: the overshoot is about one 64 MB array, not the 2.5 GB asked for.
    assertTrue(Long.parseLong(m.group(1)) < Long.parseLong(m.group(2)) + 256, stderr);
  }

  @Test
  void theLauncherEntryPointIsBoundedAndWritesNothing(@TempDir Path tmp) throws Exception {
    Path err = tmp.resolve("err.txt");
    Path out = tmp.resolve("out");
    Process p = child(err, "-Dbml.max-rss=64m", Main.class.getName(), "train", "--iterations", "2", "--out",
        out.toString());
    String stderr = Files.readString(err);
    assertEquals(2, p.exitValue(), stderr);
    assertTrue(stderr.contains("is over the bound of 64 MB (-Dbml.max-rss=64m): stopped"), stderr);
    assertFalse(Files.exists(out));
    Process bad = child(err, "-Dbml.max-rss=lots", Main.class.getName(), "train", "--out", out.toString());
    assertEquals(2, bad.exitValue());
    assertTrue(Files.readString(err).contains("bml: error: -Dbml.max-rss: 'lots' is not a size"),
        Files.readString(err));
    assertFalse(Files.exists(out));
  }
}
