package io.herald.client;

/**
 * A failure reported by the server or met on the way to it. {@link #code()} is the server's stable
 * error code from docs/protocol.md, "Errors" ({@code invalid_channel}, {@code forbidden},
 * {@code payload_too_large}, {@code broker_unavailable}...), or one of the client's own:
 * <ul>
 *   <li>{@code connection_failed}: no answer (connection refused or lost, a timeout); {@link #status()} is 0;</li>
 *   <li>{@code disconnected}: the server ended a subscription's session with reconnect advice
 *       {@code false} (docs/protocol.md, "Disconnect codes"); {@link #disconnectCode()} is its code;</li>
 *   <li>{@code http_NNN}: an answer with status NNN and no Herald error body;</li>
 *   <li>{@code protocol_error}: an answer the client could not read.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class HeraldClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;
    private final int disconnectCode;

    /**
     * @param code    the error code (never null)
     * @param message words for people (may change between versions)
     * @param status  the HTTP status of the answer, 0 when there was none (WebSocket replies carry the
     *                status the code has on HTTP, docs/protocol.md "Errors")
     * @param cause   the underlying failure, or null
     */
    public HeraldClientException(String code, String message, int status, Throwable cause) {
        this(code, message, status, 0, cause);
    }

    HeraldClientException(String code, String message, int status, int disconnectCode, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.status = status;
        this.disconnectCode = disconnectCode;
    }

    /** The error code: the server's ({@code forbidden}, ...) or the client's own (see the class comment). */
    public String code() {
        return code;
    }

    /** The HTTP status of the answer (e.g. 403), or 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }

    /** For {@code disconnected}: the disconnect code (e.g. 4403), else 0. */
    public int disconnectCode() {
        return disconnectCode;
    }

    /**
     * The HTTP status a WebSocket error reply's code has on HTTP (docs/protocol.md, "Errors"); 0 for a
     * code not in that table.
     */
    static int statusOf(String code) {
        switch (code) {
            case "invalid_channel": case "invalid_event": case "invalid_since": case "invalid_parameter":
            case "invalid_json": case "invalid_command":
                return 400;
            case "unauthorized": case "token_expired":
                return 401;
            case "forbidden": case "publish_forbidden": case "origin_not_allowed":
                return 403;
            case "not_found": case "presence_disabled":
                return 404;
            case "already_subscribed": case "not_subscribed":
                return 409;
            case "payload_too_large":
                return 413;
            case "too_many_requests":
                return 429;
            case "internal":
                return 500;
            case "broker_unavailable": case "overloaded": case "shutting_down":
                return 503;
            default:
                return 0;
        }
    }

    /**
     * Whether a failure with this code is worth retrying later with the same request (the server or
     * its broker was busy or away), as opposed to one that repeats until the request changes.
     */
    boolean retryable() {
        switch (code) {
            case "connection_failed": case "broker_unavailable": case "overloaded": case "shutting_down":
            case "too_many_requests": case "internal": case "token_expired": case "request_timeout":
                return true;
            default:
                return status >= 500;
        }
    }
}
