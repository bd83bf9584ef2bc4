package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bml.algorithms.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault test of issue 13: a training in a child JVM (this test's class path, {@code
 * org.bml.cli.Main}, as {@code ./bml} runs it) is killed with SIGKILL at seeded random moments, then
 * resumed, until it finishes. Its final θ, optimizer state and {@code metrics.jsonl} must equal an
 * uninterrupted run's bit for bit (metrics lines compared without their wall-clock {@code
 * elapsed_s}). Checkpoints every 5 iterations, so kills land between checkpoints (work redone, metrics
 * lines dropped) and during checkpoint writes (a temporary file left behind).
 */
class KillResumeTest {
  /** Seed of the kill moments: which metrics line each kill waits for, then a delay of 0-19 ms. */
  static final long KILL_SEED = 20261203L;
  static final int KILLS = 4;
  private static final String[] OPTS = {"train", "--iterations", "240", "--meta-batch", "2", "--shots", "3",
      "--queries", "3", "--val-every", "40", "--val-tasks", "4", "--checkpoint-every", "5", "--log-every", "3",
      "--seed", "5"};

  @Test
  void killedAtRandomMomentsAndResumedEndsBitIdenticalToAnUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path straight = tmp.resolve("straight");
    CliRun.Result ref = CliRun.run(CliRun.concat(OPTS, "--out", straight.toString()));
    assertEquals(0, ref.exit(), ref.toString());

    Path run = tmp.resolve("killed");
    Random rnd = new Random(KILL_SEED);
    int kills = 0;
    List<String> log = new ArrayList<>();
    for (int attempt = 0; ; attempt++) {
      assertTrue(attempt <= KILLS, "the run should have finished after " + KILLS + " kills: " + log);
      boolean resume = Files.exists(run.resolve(Experiment.CHECKPOINT));
      String[] args = resume ? new String[] {"train", "--resume", "--out", run.toString()}
          : CliRun.concat(OPTS, "--out", run.toString());
      Path errFile = tmp.resolve("stderr-" + attempt + ".txt");
      Process child = start(args, errFile);
      if (kills < KILLS) {
        int target = lines(run) + 1 + rnd.nextInt(16);
        int delayMs = rnd.nextInt(20);
        while (child.isAlive() && lines(run) < target) {
          Thread.sleep(2);
        }
        if (child.isAlive()) {
          Thread.sleep(delayMs);
          child.destroyForcibly(); // SIGKILL on Unix
          assertTrue(child.waitFor(30, TimeUnit.SECONDS));
          log.add("killed at line " + target + " +" + delayMs + " ms (exit " + child.exitValue() + ")");
          kills++;
          continue;
        }
      }
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the last run should finish");
      assertEquals(0, child.exitValue(), Files.readString(errFile));
      if (attempt > 0) {
        assertTrue(Files.readString(errFile).contains("taking over the stale lock"), Files.readString(errFile));
      }
      break;
    }
    assertEquals(KILLS, kills, log.toString());

    Checkpoint a = Checkpoint.read(straight.resolve(Experiment.CHECKPOINT));
    Checkpoint b = Checkpoint.read(run.resolve(Experiment.CHECKPOINT));
    assertEquals(a.iteration(), b.iteration());
    ResumeTest.assertBitEqual(a.params(), b.params());
    ResumeTest.assertBitEqual(a.updaterState(), b.updaterState());
    assertEquals(HostileInputTest.withoutTimes(straight), HostileInputTest.withoutTimes(run), log.toString());
    assertEquals(List.of(run.resolve(Experiment.CHECKPOINT), run.resolve(MetricsLog.FILE)),
        CliRun.files(run).stream().sorted().toList(), "no lock or temporary file is left");
  }

  private static Process start(String[] args, Path errFile) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(errFile.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  /** Whole lines in the run's metrics so far. */
  private static int lines(Path run) throws IOException {
    Path f = run.resolve(MetricsLog.FILE);
    if (!Files.exists(f)) {
      return 0;
    }
    try {
      byte[] b = Files.readAllBytes(f);
      int n = 0;
      for (byte x : b) {
        n += x == '\n' ? 1 : 0;
      }
      return n;
    } catch (java.nio.file.NoSuchFileException e) {
      return 0; // replaced by an atomic rename at this moment
    }
  }
}
