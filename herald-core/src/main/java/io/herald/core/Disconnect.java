package io.herald.core;

/**
 * The catalogue of reasons a server ends a session, with a code and reconnect advice, so a client
 * decides what to do from the code alone.
 *
 * <p>Codes 1000-1011 are the RFC 6455 section 7.4.1 close codes and are used as such on WebSocket;
 * codes 4000-4099 are Herald's own (RFC 6455 reserves 4000-4999 for applications) and mean "reconnect
 * and resume"; codes 4400-4499 mirror an HTTP status (4401 as 401, 4403 as 403...) and carry their
 * own advice; 4500-4999 mean "do not reconnect". Streaming HTTP transports send the same code and
 * reason in their last message before ending the response.
 *
 * <p>Wire contract: docs/protocol.md, "Disconnect codes".
 */
public enum Disconnect {
    /** The client asked to close. */
    NORMAL(1000, "normal", false),
    /** The server is shutting down or restarting: reconnect, ideally after a short delay. */
    SHUTDOWN(1001, "shutdown", true),
    /** The client sent something the namespace forbids, e.g. a publish where clients may not publish. */
    POLICY_VIOLATION(1008, "policy violation", false),
    /** The client sent a WebSocket message over the size limit. */
    MESSAGE_TOO_BIG(1009, "message too big", false),
    /** An unexpected failure in the server. */
    SERVER_ERROR(1011, "internal server error", true),
    /** The session's outbound queue overflowed because the client read too slowly: resume from the last id. */
    SLOW(4000, "slow consumer: outbound queue full", true),
    /** The server saw a gap or an epoch change on a live stream: resume from the last id. */
    INSUFFICIENT_STATE(4001, "insufficient state", true),
    /** The connection was idle past its limit (no pong, no heartbeat answer). */
    STALE(4002, "stale connection", true),
    /** The server dropped the connection on an operator's request (a test switch): resume from the last id. */
    FORCE_RECONNECT(4003, "forced reconnect", true),
    /** The session's token expired (past its grace): get a new token, reconnect and resume from the last id. */
    TOKEN_EXPIRED(4004, "token expired", true),
    /** No valid credential where one is required: do not reconnect with the same one. */
    UNAUTHORIZED(4401, "unauthorized", false),
    /** The credential does not allow this (or was replaced by another user's): do not reconnect with it. */
    FORBIDDEN(4403, "forbidden", false),
    /** The WebSocket protocol's {@code connect} command did not come in time ({@code auth.timeout}). */
    CONNECT_TIMEOUT(4408, "no connect command in time", true),
    /**
     * The client sent commands or publications faster than its limits, and kept on after being told
     * ({@code too_many_requests} replies): reconnect, but only after a backoff.
     */
    TOO_MANY_REQUESTS(4429, "too many requests", true);

    private final int code;
    private final String reason;
    private final boolean reconnect;

    Disconnect(int code, String reason, boolean reconnect) {
        this.code = code;
        this.reason = reason;
        this.reconnect = reconnect;
    }

    /** The numeric code, usable as a WebSocket close code. */
    public int code() {
        return code;
    }

    /** A short human-readable reason, at most 123 bytes so it fits a close frame. */
    public String reason() {
        return reason;
    }

    /** Whether the client should reconnect (and resume from its last id). */
    public boolean reconnect() {
        return reconnect;
    }
}
