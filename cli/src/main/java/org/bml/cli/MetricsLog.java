package org.bml.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's {@code metrics.jsonl}: one JSON object per line, each with the {@code "iteration"} it
 * belongs to, counted as iterations done (the console's {@code train N/M} and the checkpoint's
 * iteration count the same way). Every line is written whole and flushed, so the file only ever
 * ends between lines. A resumed run first drops the lines of iterations it is about to redo.
 */
final class MetricsLog implements AutoCloseable {
  static final String FILE = "metrics.jsonl";
  private static final Pattern ITERATION = Pattern.compile("\"iteration\":(\\d+)");

  /** Test-only: lines to write before every further write fails as a full disk would; negative = never. */
  static volatile int failAfterLinesForTests = -1;

  private final Path file;
  private final java.nio.channels.FileChannel out;
  private int written;

  private MetricsLog(Path file, java.nio.channels.FileChannel out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Opens the log of a run directory for appending, keeping only lines of the first {@code done}
   * iterations (0 for a new run: the file starts empty). {@code zeroBased} is for runs written
   * before lines counted iterations done, whose line {@code "iteration":k} was the (k+1)-th; their
   * kept lines are renumbered.
   */
  static MetricsLog open(Path dir, long done, boolean zeroBased) {
    long keepBefore = zeroBased ? done : done + 1;
    Path file = dir.resolve(FILE);
    try {
      StringBuilder kept = new StringBuilder();
      if (done > 0 && Files.isRegularFile(file)) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines) {
          Matcher m = ITERATION.matcher(line);
          // A line cut short by a full disk is dropped even when its cut iteration number parses.
          if (line.endsWith("}") && m.find() && Long.parseLong(m.group(1)) < keepBefore) {
            // Old lines are renumbered so that the whole file counts one way.
            kept.append(zeroBased ? line.substring(0, m.start(1)) + (Long.parseLong(m.group(1)) + 1)
                + line.substring(m.end(1)) : line).append('\n');
          }
        }
      }
      AtomicFiles.writeString(file, kept.toString());
      return new MetricsLog(file, java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  /**
   * Appends one line whole or not at all: a failed write (e.g. a full disk) is cut back to the
   * previous line end before the error is raised.
   */
  void append(Map<String, ?> fields) {
    java.nio.ByteBuffer line = java.nio.ByteBuffer.wrap((Json.object(fields) + "\n").getBytes(StandardCharsets.UTF_8));
    long before = -1;
    try {
      before = out.size();
      if (failAfterLinesForTests >= 0 && written >= failAfterLinesForTests) {
        out.write(java.nio.ByteBuffer.wrap("{\"iteration\":".getBytes(StandardCharsets.UTF_8)));
        throw new IOException("No space left on device (simulated)");
      }
      while (line.hasRemaining()) {
        out.write(line);
      }
      written++;
    } catch (IOException e) {
      try {
        if (before >= 0) {
          out.truncate(before);
        }
      } catch (IOException ignored) {
        // the original error is the one to report
      }
      throw new UncheckedIOException("cannot write " + file + ": " + InputLimits.describe(e), e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
