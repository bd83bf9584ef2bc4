package org.bml.cli;

/**
 * Training stopped because the meta-loss, its gradient or the updated parameters became NaN or
 * infinite; printed as {@code bml: error: <message>} with exit status {@link Main#EXIT_DIVERGED}.
 */
public final class DivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long iteration;

  public DivergedException(String message, long iteration) {
    super(message);
    this.iteration = iteration;
  }

  /** The iteration whose loss, gradient or update was not finite. */
  public long iteration() {
    return iteration;
  }
}
