package org.bml.core.autodiff;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.Nd4jBlas;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The native thread policy of ND4J, set by bml itself on first use (the first op, through
 * {@link Backends#current()}), so that a program embedding bml runs as fast as the {@code bml}
 * launcher without exporting anything.
 *
 * <p>Why: meta-learning is many small ops (a few dozen to a few thousand elements). ND4J splits each
 * over all cores by default, and every op then ends in a thread barrier; on a shared machine the
 * second thread is often descheduled and an op of microseconds waits milliseconds. Measured on a
 * busy 2-core machine, 300 second-order MAML iterations on sinusoids ran at 8-90 it/s with ND4J's
 * default (2 threads) and at 220-260 it/s with one thread, the same results.
 *
 * <p>The count, first match wins:
 * <ol>
 *   <li>the system property {@value #PROPERTY}: a count ≥ 1, or {@code nd4j} to leave ND4J's own
 *       defaults untouched;
 *   <li>the environment variable {@code OMP_NUM_THREADS}, when the user set it (ND4J reads it too;
 *       the Conv-4 cases gain from 2);
 *   <li>otherwise one thread.
 * </ol>
 * A value that is not a count is an {@link IllegalArgumentException} naming it. {@link #set(int)}
 * changes the count later.
 *
 * <p>What is set: libnd4j's master-thread count (its own thread pool, process-wide: this is the one
 * that removes the barriers), its maximum thread count where ND4J lets it drop, the BLAS
 * (OpenBLAS) thread count, and OpenMP's count. OpenMP keeps that count per thread: it applies to the
 * thread that made the first op; other threads use OpenMP's start-up value, which only the
 * environment variable sets (the {@code bml} launcher exports {@code OMP_NUM_THREADS=1} for that).
 *
 * <p>Another backend's native library follows the same count through {@link #follow(IntConsumer)}
 * (the torch backend's intra-op threads), so that both backends run a case under one policy.
 */
public final class NativeThreads {
  /** The system property that overrides the count. */
  public static final String PROPERTY = "bml.threads";

  /** More than this is a typo, not a machine. */
  static final int MAX = 4096;

  /**
   * A resolved policy: {@code threads} is the count applied, 0 where ND4J's defaults are kept;
   * {@code source} says where it came from.
   */
  public record Policy(int threads, String source) {}

  /** The counts ND4J reports now (OpenMP's as seen from the calling thread). */
  public record Reported(int masterThreads, int maxThreads, int ompThreads, int blasThreads) {
    @Override
    public String toString() {
      return "master " + masterThreads + ", max " + maxThreads + ", OpenMP " + ompThreads + ", BLAS " + blasThreads;
    }
  }

  private static volatile Policy applied;

  private static final List<IntConsumer> followers = new CopyOnWriteArrayList<>();

  private NativeThreads() {}

  /** Resolves and applies the policy once per process; later calls return the first result. */
  public static Policy ensureApplied() {
    Policy p = applied;
    if (p == null) {
      synchronized (NativeThreads.class) {
        if (applied == null) {
          Policy r = resolve(System.getProperty(PROPERTY), System.getenv("OMP_NUM_THREADS"));
          if (r.threads() > 0) {
            apply(r.threads());
          }
          applied = r;
        }
        p = applied;
      }
    }
    return p;
  }

  /**
   * Makes another native library follow the count: {@code setter} is called now with the applied
   * count (not when the policy is {@code nd4j}, which keeps every library's defaults) and on every
   * later {@link #set(int)}.
   */
  public static synchronized void follow(IntConsumer setter) {
    Policy p = ensureApplied();
    if (p.threads() > 0) {
      setter.accept(p.threads());
    }
    followers.add(setter);
  }

  /** The policy applied, or null before the first op. */
  public static Policy applied() {
    return applied;
  }

  /** Sets the count now (overriding the policy), from the calling thread. */
  public static synchronized void set(int threads) {
    if (threads < 1 || threads > MAX) {
      throw new IllegalArgumentException("native thread count " + threads + " is not in 1.." + MAX);
    }
    apply(threads);
    applied = new Policy(threads, "NativeThreads.set");
    for (IntConsumer f : followers) {
      f.accept(threads);
    }
  }

  /**
   * The count from the property and the environment variable (either may be null), first match
   * wins; see the class comment.
   */
  static Policy resolve(String property, String ompEnv) {
    if (property != null) {
      String v = property.trim();
      if (v.equals("nd4j")) {
        return new Policy(0, "system property " + PROPERTY + "=nd4j (ND4J's defaults)");
      }
      return new Policy(parse(v, "system property " + PROPERTY, true), "system property " + PROPERTY);
    }
    if (ompEnv != null && !ompEnv.isBlank()) {
      return new Policy(parse(ompEnv.trim(), "environment variable OMP_NUM_THREADS", false),
          "environment variable OMP_NUM_THREADS");
    }
    return new Policy(1, "default (one native thread; set " + PROPERTY + " or OMP_NUM_THREADS for more)");
  }

  private static int parse(String v, String what, boolean nd4jAllowed) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > MAX) {
      throw new IllegalArgumentException(what + " is '" + v + "': expected a thread count in 1.." + MAX
          + (nd4jAllowed ? " or 'nd4j' (ND4J's defaults)" : ""));
    }
    return n;
  }

  private static void apply(int n) {
    Environment env = Nd4j.getEnvironment();
    // The master count bounds the maximum in libnd4j; lower it first.
    env.setMaxMasterThreads(n);
    env.setMaxThreads(n);
    NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
    if (Nd4j.factory().blas() instanceof Nd4jBlas blas) {
      blas.setMaxThreads(n);
    }
  }

  /** What ND4J reports now. */
  public static Reported reported() {
    Environment env = Nd4j.getEnvironment();
    int blas = Nd4j.factory().blas() instanceof Nd4jBlas b ? b.getMaxThreads() : -1;
    return new Reported(env.maxMasterThreads(), env.maxThreads(),
        NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(), blas);
  }
}
