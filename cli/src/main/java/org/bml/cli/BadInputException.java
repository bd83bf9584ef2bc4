package org.bml.cli;

/**
 * Input the command line refuses (unknown names, invalid hyperparameters, unreadable files,
 * malformed CSV, mismatched checkpoints): printed as {@code bml: error: <message>} with exit
 * status {@link Main#EXIT_BAD_INPUT}.
 */
public final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
