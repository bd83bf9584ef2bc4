package org.bml.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Whole-file writes through a temporary file in the same folder and a rename, so a reader (or a
 * crash) never sees a half-written output.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes a file's whole content to a stream. */
  @FunctionalInterface
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  static void write(Path file, Writer writer) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        writer.write(out);
      }
      readableByAll(tmp);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // only litter; the error that matters was already raised
        }
      }
    }
  }

  /** Temporary files are created owner-only; outputs get the usual rw-r--r-- where POSIX permissions exist. */
  private static void readableByAll(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep its defaults
    }
  }

  static void writeString(Path file, String content) {
    write(file, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
  }
}
