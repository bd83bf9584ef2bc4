package org.bml.core.check;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs ND4J's native ops on one thread while a test class runs, then restores the previous
 * setting.
 *
 * <p>Why: the checks here evaluate thousands of ops on arrays of a few dozen elements. With two
 * threads each op ends in a thread barrier, and on a shared 2-core machine the second thread is
 * often descheduled, so an op that computes in microseconds waits milliseconds: the same test
 * class took 3–10x longer and varied run to run. One thread gives the same results (the ops are
 * element-wise or small reductions) in stable time.
 */
public final class Nd4jThreads {
  private static int depth;
  private static int savedThreads;
  private static int savedMaster;

  private Nd4jThreads() {}

  /** Switches to one thread (nestable). */
  public static synchronized void single() {
    Environment env = Nd4j.getEnvironment();
    if (depth++ == 0) {
      savedThreads = env.maxThreads();
      savedMaster = env.maxMasterThreads();
    }
    env.setMaxThreads(1);
    env.setMaxMasterThreads(1);
  }

  /** Undoes one {@link #single()}; the outermost restores the saved setting. */
  public static synchronized void restore() {
    if (depth == 0) {
      return;
    }
    if (--depth == 0) {
      Environment env = Nd4j.getEnvironment();
      env.setMaxThreads(savedThreads);
      env.setMaxMasterThreads(savedMaster);
    }
  }
}
