package org.bml.datasets;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line for a slow load: if the load is still running after a delay, one line says what
 * is being loaded, and on close a second line says how long it took; a fast load prints nothing.
 * Use as {@code try (LoadNotice n = LoadNotice.start("decoding Omniglot from DIR")) { ... }}.
 */
public final class LoadNotice implements AutoCloseable {
    /** Delay before the first line, in milliseconds. */
    public static final long DEFAULT_DELAY_MS = 1000;

    private final String what;
    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private final Thread timer;
    private boolean announced;

    private LoadNotice(String what, long delayMs, PrintStream out) {
        this.what = what;
        this.out = out;
        this.timer = new Thread(() -> {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (!announced) {
                    announced = true;
                    out.println("bml: " + what + " ...");
                    out.flush();
                }
            }
        }, "bml-load-notice");
        timer.setDaemon(true);
        timer.start();
    }

    /** Starts the notice on standard error with the default delay. */
    public static LoadNotice start(String what) {
        return new LoadNotice(what, DEFAULT_DELAY_MS, System.err);
    }

    /** Starts the notice on {@code out} after {@code delayMs}. */
    public static LoadNotice start(String what, long delayMs, PrintStream out) {
        return new LoadNotice(what, delayMs, out);
    }

    @Override
    public void close() {
        timer.interrupt();
        synchronized (this) {
            if (announced) {
                out.println(String.format(Locale.ROOT, "bml: %s: done in %.1f s", what,
                        (System.nanoTime() - t0) / 1e9));
                out.flush();
            }
            announced = true; // a late timer prints nothing
        }
    }
}
