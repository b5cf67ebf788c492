package io.herald.core;

import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failure of an operation of the core, carrying one {@link ErrorCode} of the wire contract and a
 * message that names the argument, its value and the rule it broke (docs/protocol.md, "Errors").
 *
 * <p>Errors travel one way: the core's asynchronous operations ({@link Node#publish},
 * {@link Node#history}, {@link Node#subscribe}) fail their futures with it, never throw.
 * {@link #of(Throwable)} turns whatever a future failed with into one, so that transports map a
 * failure to the wire in one place; it never reaches a client as a stack trace. Unchecked,
 * immutable, thread-safe.
 */
public final class HeraldException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /**
     * @param code    the contract's error code, not null
     * @param message a sentence for the client, e.g. {@code "channel 'a b' (expected: ^[A-Za-z0-9_.:@-]{1,128}$)"}
     */
    public HeraldException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * A failure caused by another, e.g. a broker's I/O error behind {@code broker_unavailable}; the
     * cause is for logs, never for the client.
     *
     * @param code    the contract's error code, not null
     * @param message a sentence for the client
     * @param cause   what failed underneath
     */
    public HeraldException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, true);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The contract's error code. */
    public ErrorCode code() {
        return code;
    }

    /**
     * The failure a future completed with, as a {@code HeraldException}: unwrapped from
     * {@link CompletionException} and {@link ExecutionException}; anything else (a bug) becomes
     * {@link ErrorCode#INTERNAL} with the original as its cause.
     *
     * @param error what a future failed with, not null
     */
    public static HeraldException of(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof HeraldException e ? e
                : new HeraldException(ErrorCode.INTERNAL, "internal server error", cause);
    }
}
