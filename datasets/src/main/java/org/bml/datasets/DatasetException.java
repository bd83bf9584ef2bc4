package org.bml.datasets;

/**
 * A data file is missing, unreadable or not in the expected layout.
 *
 * <p>Unchecked because callers can rarely recover; the message always names the offending file,
 * archive entry or parameter so the user can fix the input instead of reading a stack trace.
 * Invalid arguments (sizes, counts) are reported as {@link IllegalArgumentException} instead.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
