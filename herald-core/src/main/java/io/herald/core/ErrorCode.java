package io.herald.core;

/**
 * The catalogue of error codes of the wire contract (docs/protocol.md, "Errors"): one snake_case
 * string per reason a request fails. The core knows nothing of how a wire shows them; the server
 * maps each to an HTTP status, an error reply or a close code in one place.
 */
public enum ErrorCode {
    /** The channel name does not match {@code ^[A-Za-z0-9_.:@-]{1,128}$}. */
    INVALID_CHANNEL("invalid_channel"),
    /** The event type does not match {@code ^[A-Za-z0-9_.:-]{1,64}$}. */
    INVALID_EVENT("invalid_event"),
    /** A stream position ({@code since}, {@code Last-Event-ID}, {@code lastEventId}) that is not an id. */
    INVALID_SINCE("invalid_since"),
    /** A forever-iframe callback name that is not a dotted JavaScript identifier path. */
    INVALID_CALLBACK("invalid_callback"),
    /** Any other query parameter or field out of its range or of the wrong shape. */
    INVALID_PARAMETER("invalid_parameter"),
    /** A body published as JSON that does not parse as one JSON value. */
    INVALID_JSON("invalid_json"),
    /** A WebSocket protocol command that is not valid JSON or lacks a required field. */
    INVALID_COMMAND("invalid_command"),
    /**
     * No credential, or one that does not verify (bad signature, wrong audience, malformed), where
     * access control requires one: get a token and retry.
     */
    UNAUTHORIZED("unauthorized"),
    /** The token has expired: get a new one and retry (resuming from the last id loses nothing). */
    TOKEN_EXPIRED("token_expired"),
    /** A valid credential that does not allow this (a channel not granted, another user's channel). */
    FORBIDDEN("forbidden"),
    /** The namespace does not allow clients to publish. */
    PUBLISH_FORBIDDEN("publish_forbidden"),
    /** The session is already subscribed to that channel. */
    ALREADY_SUBSCRIBED("already_subscribed"),
    /** The session is not subscribed to that channel. */
    NOT_SUBSCRIBED("not_subscribed"),
    /** The channel's namespace keeps no presence ({@code presence: false}). */
    PRESENCE_DISABLED("presence_disabled"),
    /** No route for that path. */
    NOT_FOUND("not_found"),
    /** The route exists but not for that method. */
    METHOD_NOT_ALLOWED("method_not_allowed"),
    /** The payload is larger than the configured limit (64 KiB by default). */
    PAYLOAD_TOO_LARGE("payload_too_large"),
    /** Over a rate or connection limit. */
    TOO_MANY_REQUESTS("too_many_requests"),
    /** The request's {@code Origin} is not on the server's allow-list ({@code cors.allowed-origins}). */
    ORIGIN_NOT_ALLOWED("origin_not_allowed"),
    /** The request head (request line and headers) is larger than the server reads. */
    HEADERS_TOO_LARGE("headers_too_large"),
    /** The request body did not arrive within the server's deadline ({@code limits.request-body-timeout}). */
    REQUEST_TIMEOUT("request_timeout"),
    /**
     * The broker could not do what was asked (store a publication, read history, start a
     * subscription). For a publish: nothing was stored.
     */
    BROKER_UNAVAILABLE("broker_unavailable"),
    /**
     * The outbound backlog of the server (pushes queued for subscribers, across all sessions) is over
     * its bound: the server is past its delivery capacity. Nothing was published; retry later.
     */
    OVERLOADED("overloaded"),
    /** The server is shutting down. */
    SHUTTING_DOWN("shutting_down"),
    /** An unexpected failure inside the server; details are logged, never sent. */
    INTERNAL("internal");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** The snake_case code sent on the wire, e.g. {@code "invalid_channel"}. */
    public String code() {
        return code;
    }
}
