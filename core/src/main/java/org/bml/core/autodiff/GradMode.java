package org.bml.core.autodiff;

/**
 * Whether ops record their backward rule. On by default, per thread.
 *
 * <pre>{@code try (GradMode.Scope s = GradMode.noGrad()) { ... evaluation only ... } }</pre>
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns recording off until the returned scope is closed (restores the previous mode). */
  public static Scope noGrad() {
    return set(false);
  }

  /** Turns recording on until the returned scope is closed (restores the previous mode). */
  public static Scope enableGrad() {
    return set(true);
  }

  static Scope set(boolean enabled) {
    boolean[] cell = ENABLED.get();
    boolean previous = cell[0];
    cell[0] = enabled;
    return () -> cell[0] = previous;
  }

  /** Restores the previous grad mode on close. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
