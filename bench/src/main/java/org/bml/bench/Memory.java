package org.bml.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from Linux's {@code /proc/self}; −1 / false where unavailable. */
final class Memory {
  private Memory() {}

  /** Current resident set size (VmRSS) in bytes. */
  static long rssBytes() {
    return status("VmRSS:");
  }

  /** Peak resident set size (VmHWM) in bytes since the start or the last {@link #resetPeak}. */
  static long peakRssBytes() {
    return status("VmHWM:");
  }

  /**
   * Resets the peak to the current RSS (Linux ≥ 4.0: writing 5 to {@code /proc/self/clear_refs}),
   * so that a later {@link #peakRssBytes} is the peak of what ran in between.
   *
   * @return whether the reset happened
   */
  static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static long status(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
