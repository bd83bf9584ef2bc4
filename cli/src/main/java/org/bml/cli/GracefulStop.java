package org.bml.cli;

/**
 * SIGTERM / SIGINT during training: a JVM shutdown hook raises a flag that the training loop polls
 * after each iteration; the loop then writes a checkpoint, says so, and returns, and only then does
 * the hook let the JVM exit. A second signal, or a loop that does not answer within
 * {@link #GRACE_MS}, exits without waiting.
 */
final class GracefulStop implements AutoCloseable {
  /** How long the hook waits for the loop to save (an iteration plus a checkpoint). */
  static final long GRACE_MS = Long.getLong("bml.stop.grace-ms", 60_000);

  private volatile boolean requested;
  private final Object done = new Object();
  private volatile boolean finished;
  private final Thread hook;

  private GracefulStop() {
    hook = new Thread(() -> {
      requested = true;
      long deadline = System.currentTimeMillis() + GRACE_MS;
      synchronized (done) {
        while (!finished && System.currentTimeMillis() < deadline) {
          try {
            done.wait(Math.max(1, deadline - System.currentTimeMillis()));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "bml-graceful-stop");
  }

  /** Installs the hook for the duration of a training loop. */
  static GracefulStop install() {
    GracefulStop s = new GracefulStop();
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** True once a stop was requested: finish this iteration, checkpoint, return. */
  boolean requested() {
    return requested;
  }

  /** Test hook: behave as if a signal had arrived. */
  void request() {
    requested = true;
  }

  /** The loop has saved (or ended): the hook may let the JVM exit; in normal ends the hook is removed. */
  @Override
  public void close() {
    synchronized (done) {
      finished = true;
      done.notifyAll();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already: the hook is running and has just been released
    }
  }
}
