package io.herald.bench;

/** A run cannot go on (server unreachable, open-file limit reached, ...); the message says why. */
public final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong and, where known, what to do */
    public BenchException(String message) {
        super(message);
    }

    /** @param message what went wrong; {@code cause} the underlying error */
    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
