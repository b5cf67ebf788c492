package io.herald.core;

/**
 * The catalogue of error codes of the wire contract ({@code shared/design/api.md}, "Errors").
 *
 * <p>Each code carries the HTTP status a request-response transport answers with; WebSocket
 * transports put the {@link #code()} string in their error replies instead. The status is a plain
 * number so that the core stays free of HTTP types.
 */
public enum ErrorCode {
    /** The channel name does not match {@code ^[A-Za-z0-9_.:@-]{1,128}$}. */
    INVALID_CHANNEL("invalid_channel", 400),
    /** The event type does not match {@code ^[A-Za-z0-9_.:-]{1,64}$}. */
    INVALID_EVENT("invalid_event", 400),
    /** A stream position ({@code since}, {@code Last-Event-ID}, {@code lastEventId}) that is not an id. */
    INVALID_SINCE("invalid_since", 400),
    /** A forever-iframe callback name that is not a dotted JavaScript identifier path. */
    INVALID_CALLBACK("invalid_callback", 400),
    /** Any other query parameter or field out of its range or of the wrong shape. */
    INVALID_PARAMETER("invalid_parameter", 400),
    /** A body published as JSON that does not parse as one JSON value. */
    INVALID_JSON("invalid_json", 400),
    /** A WebSocket protocol command that is not valid JSON or lacks a required field. */
    INVALID_COMMAND("invalid_command", 400),
    /** The namespace does not allow clients to publish. */
    PUBLISH_FORBIDDEN("publish_forbidden", 403),
    /** The session is already subscribed to that channel. */
    ALREADY_SUBSCRIBED("already_subscribed", 409),
    /** The session is not subscribed to that channel. */
    NOT_SUBSCRIBED("not_subscribed", 409),
    /** No route for that path. */
    NOT_FOUND("not_found", 404),
    /** The route exists but not for that method. */
    METHOD_NOT_ALLOWED("method_not_allowed", 405),
    /** The payload is larger than the configured limit (64 KiB by default). */
    PAYLOAD_TOO_LARGE("payload_too_large", 413),
    /** Over a rate or connection limit. */
    TOO_MANY_REQUESTS("too_many_requests", 429),
    /** The broker could not store the publication; nothing was published. */
    BROKER_UNAVAILABLE("broker_unavailable", 503),
    /**
     * The outbound backlog of the server (pushes queued for subscribers, across all sessions) is over
     * its bound: the server is past its delivery capacity. Nothing was published; retry later.
     */
    OVERLOADED("overloaded", 503),
    /** The server is shutting down. */
    SHUTTING_DOWN("shutting_down", 503),
    /** An unexpected failure inside the server; details are logged, never sent. */
    INTERNAL("internal", 500);

    private final String code;
    private final int httpStatus;

    ErrorCode(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The snake_case code sent on the wire, e.g. {@code "invalid_channel"}. */
    public String code() {
        return code;
    }

    /** The HTTP status code a request-response transport answers with (RFC 9110, section 15). */
    public int httpStatus() {
        return httpStatus;
    }
}
