package org.bml.cli;

import java.io.PrintStream;
import org.bytedeco.javacpp.Pointer;

/**
 * Bounds the process's resident memory (heap and ND4J's native buffers together), which nothing
 * else bounds: ND4J allocates its arrays in native code, outside JavaCPP's tracked bytes ({@code
 * org.bytedeco.javacpp.maxbytes} does not stop an 8 GB array), and JavaCPP's own resident-memory
 * check ({@code maxphysicalbytes}) reads {@code /proc} on every allocation, +13% CPU on sinusoid
 * MAML. A daemon thread reads the resident size every {@value #POLL_MS} ms instead (0.4 µs a read);
 * past the bound it says so and ends the process with exit 2. Checkpoints are written atomically,
 * so a stop at any moment keeps the last one whole (and its lock is taken over by the next run).
 *
 * <p>The bound: {@code -Dbml.max-rss=SIZE} if set; else {@code --memory-limit} above what the
 * process held when the command started, when that option is given; else 80% of physical memory.
 */
final class NativeMemoryGuard {
  static final int POLL_MS = 10;
  private static volatile long limit = Long.MAX_VALUE;
  private static volatile String source = "";
  private static Thread thread;

  private NativeMemoryGuard() {}

  /** Starts the watch (once per process) with the default bound, first checking the memory held now. */
  static synchronized void start(PrintStream err) {
    String prop = System.getProperty("bml.max-rss");
    if (prop != null) {
      setLimit(parseProperty(prop), "-Dbml.max-rss=" + prop);
    } else {
      setLimit(InputLimits.defaultLimit(), "80% of physical memory");
    }
    check(err);
    if (thread == null) {
      thread = new Thread(() -> {
        while (true) {
          check(err);
          try {
            Thread.sleep(POLL_MS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bml-memory-guard");
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** {@code --memory-limit}: the command may add {@code bytes} to what the process holds now. */
  static void allowMore(long bytes, String option) {
    if (System.getProperty("bml.max-rss") == null) {
      setLimit(InputLimits.add(Pointer.physicalBytes(), bytes), option + " above the " + InputLimits.human(
          Pointer.physicalBytes()) + " held at the start");
    }
  }

  static void setLimit(long bytes, String why) {
    limit = bytes;
    source = why;
  }

  static long limit() {
    return limit;
  }

  private static long parseProperty(String s) {
    try {
      return InputLimits.parse(s);
    } catch (BadInputException e) {
      throw new BadInputException("-Dbml.max-rss: " + e.getMessage().replace("--memory-limit ", ""), e);
    }
  }

  private static void check(PrintStream err) {
    long rss = Pointer.physicalBytes();
    if (rss > limit) {
      err.println("bml: error: resident memory " + InputLimits.human(rss) + " is over the bound of "
          + InputLimits.human(limit) + " (" + source + "): stopped; use smaller sizes, or raise --memory-limit "
          + "(or -Dbml.max-rss in JAVA_OPTS)");
      err.flush();
      Runtime.getRuntime().halt(Main.EXIT_BAD_INPUT);
    }
  }
}
