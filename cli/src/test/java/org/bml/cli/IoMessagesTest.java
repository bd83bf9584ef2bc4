package org.bml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/**
 * I/O failures are named by what went wrong, not only by their path. The permission case is
 * tested on constructed exceptions because this suite may run as root, for whom chmod denies
 * nothing.
 */
class IoMessagesTest {
  @Test
  void permissionDeniedSaysSo() {
    // AccessDeniedException's own message is only the path.
    IOException e = new AccessDeniedException("/runs/a/checkpoint.bml");
    assertEquals("/runs/a/checkpoint.bml", e.getMessage());
    assertEquals("/runs/a/checkpoint.bml: permission denied", InputLimits.describe(e));
  }

  @Test
  void otherFailuresNameTheirReason() {
    assertEquals("/x: no such file or directory", InputLimits.describe(new NoSuchFileException("/x")));
    assertEquals("/ro/m: Read-only file system",
        InputLimits.describe(new FileSystemException("/ro/m", null, "Read-only file system")));
    assertEquals("IOException", InputLimits.describe(new IOException()));
  }
}
