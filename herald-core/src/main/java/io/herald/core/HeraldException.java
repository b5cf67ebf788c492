package io.herald.core;

import java.util.Objects;

/**
 * A failure that is the caller's to fix or to retry, carrying one {@link ErrorCode} of the wire
 * contract and a message that names the argument, its value and the rule it broke.
 *
 * <p>Transports turn it into the contract's error body in one place; it never reaches a client as
 * a stack trace. Unchecked, immutable, thread-safe.
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

    /** The contract's error code. */
    public ErrorCode code() {
        return code;
    }
}
