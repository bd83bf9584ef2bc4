package org.bml.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Housekeeping of a run folder under its {@link RunLock}: temporary files left by a killed writer
 * are removed, a folder a refused run created is removed again, and the provenance keys of the
 * running averages that a checkpoint carries so a resumed {@code metrics.jsonl} equals an
 * uninterrupted one.
 */
final class RunFiles {
  static final String WINDOW_SUM = "loss_window_sum";
  static final String WINDOW_COUNT = "loss_window_count";
  static final String RUNNING = "loss_running";
  /**
   * Present (value {@code done}) in checkpoints whose run's metrics lines count iterations done;
   * absent in older runs, whose lines carried the 0-based index instead.
   */
  static final String METRICS_ITERATION = "metrics_iteration";

  private RunFiles() {}

  /**
   * Deletes {@code checkpoint.bml*.tmp} and {@code .metrics.jsonl*.tmp} (from {@code
   * Checkpoint.write} and {@code AtomicFiles}): with the lock held no live writer owns them.
   */
  static void removeStaleTemporaries(Path dir, PrintWriter err) {
    int n = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "{" + Experiment.CHECKPOINT + "*.tmp,."
        + MetricsLog.FILE + "*.tmp}")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
        n++;
      }
    } catch (IOException e) {
      throw new BadInputException("cannot clean " + dir + ": " + InputLimits.describe(e), e);
    }
    if (n > 0) {
      err.println("bml: note: removed " + n + " stale temporary file(s) of an interrupted write in " + dir);
      err.flush();
    }
  }

  /** After a refusal in a folder this run created: remove what it wrote, so nothing is left. */
  static void removeIfNothingSaved(Path dir) {
    if (Files.exists(dir.resolve(Experiment.CHECKPOINT))) {
      return;
    }
    try {
      Files.deleteIfExists(dir.resolve(MetricsLog.FILE));
      Files.deleteIfExists(dir.resolve(RunLock.FILE));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a folder that is not empty keeps what others put there
    }
  }
}
