package org.bml.cli;

import java.io.PrintWriter;

/**
 * A progress report for long loops, written to stderr: on a terminal one line redrawn in place
 * (at most ten times a second) with a bar, the running loss, speed and ETA; otherwise plain lines
 * at every 5% of the work or every 30 seconds, whichever comes first, so logs stay readable.
 */
final class Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final long PLAIN_NANOS = 30_000_000_000L;
  private static final long PLAIN_MIN_NANOS = 1_000_000_000L;
  private static final int BAR = 24;

  private final PrintWriter err;
  private final boolean tty;
  private final String label;
  private final long total;
  private final long start;
  private final String unit;
  private final long t0 = System.nanoTime();
  private long lastDraw = t0;
  private boolean drawn;
  private long lastPlainStep;
  private boolean barShown;

  /**
   * @param unit what is counted, per second (e.g. "it" or "tasks")
   * @param total the index the loop runs up to
   * @param start where this process starts (a resumed run starts past 0); speed and ETA count only
   *     this process's work
   */
  Progress(PrintWriter err, boolean tty, String label, String unit, long total, long start) {
    this.err = err;
    this.tty = tty;
    this.label = label;
    this.unit = unit;
    this.total = total;
    this.start = start;
    this.lastPlainStep = start;
  }

  /** Whether stderr looks like a terminal (no console when a stream is redirected). */
  static boolean stderrIsTerminal() {
    return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
  }

  /** Reports that {@code done} of {@code total} are finished; {@code detail} is e.g. the running loss. */
  void update(long done, String detail) {
    long now = System.nanoTime();
    boolean last = done >= total;
    if (tty) {
      if (last || !drawn || now - lastDraw >= REDRAW_NANOS) {
        lastDraw = now;
        drawn = true;
        err.print("\r" + line(done, detail, now, true) + "\u001b[K");
        err.flush();
        barShown = true;
      }
    } else {
      long every = Math.max(1, total / 20);
      // Plain lines at most once a second (short loops print only their last line).
      boolean due = done - lastPlainStep >= every && now - lastDraw >= PLAIN_MIN_NANOS;
      if (last || due || now - lastDraw >= PLAIN_NANOS) {
        lastDraw = now;
        lastPlainStep = done;
        err.println(line(done, detail, now, false));
        err.flush();
      }
    }
  }

  /** Prints a whole line (e.g. a validation result) without garbling the bar. */
  void message(String text) {
    if (tty && barShown) {
      err.print("\r\u001b[K");
      barShown = false;
      drawn = false;
    }
    err.println(text);
    err.flush();
  }

  /** Ends the bar's line on a terminal. */
  void finish() {
    if (tty && barShown) {
      err.println();
      err.flush();
      barShown = false;
    }
  }

  private String line(long done, String detail, long now, boolean bar) {
    double elapsed = (now - t0) / 1e9;
    long ran = done - start;
    double rate = ran > 0 && elapsed > 0 ? ran / elapsed : Double.NaN;
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    StringBuilder b = new StringBuilder(label).append(' ');
    if (bar) {
      int filled = (int) Math.min(BAR, total > 0 ? BAR * done / total : BAR);
      b.append('[').append("=".repeat(filled)).append(filled < BAR ? ">" : "")
          .append(" ".repeat(Math.max(0, BAR - filled - 1))).append("] ");
    }
    b.append(String.format("%d/%d %3.0f%%", done, total, total > 0 ? 100.0 * done / total : 100.0));
    if (detail != null && !detail.isEmpty()) {
      b.append("  ").append(detail);
    }
    b.append(String.format("  %s %s/s  elapsed %s  ETA %s", Double.isNaN(rate) ? "-" : String.format("%.1f", rate), unit,
        clock(elapsed), Double.isNaN(eta) ? "-" : clock(eta)));
    return b.toString();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
