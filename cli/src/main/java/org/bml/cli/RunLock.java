package org.bml.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;

/**
 * One run per output folder: {@code DIR/run.lock} names its holder (pid, host, start time) and is
 * created with {@code CREATE_NEW}, so of two trainings started on one {@code --out} exactly one
 * gets it; the other is refused (exit 2) naming the holder. A lock whose process is gone (same
 * host, pid not alive) is stale: it is taken over with a message. A lock from another host cannot
 * be checked and is never taken over; the message says to delete it if that run is gone.
 */
final class RunLock implements AutoCloseable {
  static final String FILE = "run.lock";

  private final Path file;
  private final String token;

  private RunLock(Path file, String token) {
    this.file = file;
    this.token = token;
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Takes the lock of {@code dir} (which must exist), or throws {@link BadInputException} naming the holder. */
  static RunLock acquire(Path dir, PrintWriter err) {
    Path file = dir.resolve(FILE);
    long pid = ProcessHandle.current().pid();
    String host = host();
    String token = "pid=" + pid + "\nhost=" + host + "\nstarted=" + Instant.now() + "\n";
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        Files.writeString(file, token, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return new RunLock(file, token);
      } catch (FileAlreadyExistsException e) {
        Properties holder = read(file);
        if (holder == null) {
          continue; // released between our attempt and the read: try again
        }
        String hPid = holder.getProperty("pid", "?");
        String hHost = holder.getProperty("host", "?");
        String desc = "pid " + hPid + " on " + hHost + ", started " + holder.getProperty("started", "?");
        if (host.equals(hHost) && !alive(hPid)) {
          err.println("bml: note: taking over the stale lock " + file + " (" + desc + "; that process is gone)");
          err.flush();
          try {
            Files.deleteIfExists(file);
          } catch (IOException d) {
            throw new BadInputException("cannot remove the stale lock " + InputLimits.describe(d), d);
          }
          continue;
        }
        throw new BadInputException("--out " + dir + " is in use by another training (" + desc + "; lock " + file
            + (host.equals(hHost) ? "" : "; if that run is gone, delete the lock") + ")");
      } catch (IOException e) {
        throw new BadInputException("cannot create the lock " + InputLimits.describe(e), e);
      }
    }
    throw new BadInputException("--out " + dir + ": could not take the lock " + file + " (it keeps changing)");
  }

  /** Refuses early (before reading data) when a live run holds {@code dir}'s lock. */
  static void refuseIfHeld(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return;
    }
    Properties holder = read(file);
    if (holder == null) {
      return;
    }
    String hHost = holder.getProperty("host", "?");
    if (host().equals(hHost) && !alive(holder.getProperty("pid", "?"))) {
      return; // stale: acquire() takes it over with a note
    }
    throw new BadInputException("--out " + dir + " is in use by another training (pid " + holder.getProperty("pid", "?")
        + " on " + hHost + ", started " + holder.getProperty("started", "?") + "; lock " + file + ")");
  }

  private static boolean alive(String pid) {
    try {
      return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false; // not written by bml: unreadable holder, treat as gone
    }
  }

  private static Properties read(Path file) {
    try {
      Properties p = new Properties();
      p.load(new java.io.StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      return p;
    } catch (IOException e) {
      return null;
    }
  }

  /** Releases the lock if it is still ours. */
  @Override
  public void close() {
    try {
      if (token.equals(Files.readString(file, StandardCharsets.UTF_8))) {
        Files.deleteIfExists(file);
      }
    } catch (IOException ignored) {
      // already gone: nothing to release
    }
  }
}
