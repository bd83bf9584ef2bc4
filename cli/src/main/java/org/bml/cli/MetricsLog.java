package org.bml.cli;

import java.io.BufferedWriter;
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
 * A run's {@code metrics.jsonl}: one JSON object per line, each with the 0-based
 * {@code "iteration"} it belongs to. Every line is written whole and flushed, so the file only ever
 * ends between lines. A resumed run first drops the lines of iterations it is about to redo.
 */
final class MetricsLog implements AutoCloseable {
  static final String FILE = "metrics.jsonl";
  private static final Pattern ITERATION = Pattern.compile("\"iteration\":(\\d+)");

  private final Path file;
  private final BufferedWriter out;

  private MetricsLog(Path file, BufferedWriter out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Opens the log of a run directory for appending, keeping only lines of iterations before
   * {@code keepBefore} (0 for a new run: the file starts empty).
   */
  static MetricsLog open(Path dir, long keepBefore) {
    Path file = dir.resolve(FILE);
    try {
      StringBuilder kept = new StringBuilder();
      if (keepBefore > 0 && Files.isRegularFile(file)) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines) {
          Matcher m = ITERATION.matcher(line);
          if (m.find() && Long.parseLong(m.group(1)) < keepBefore) {
            kept.append(line).append('\n');
          }
        }
      }
      AtomicFiles.writeString(file, kept.toString());
      return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  void append(Map<String, ?> fields) {
    try {
      out.write(Json.object(fields) + "\n");
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
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
