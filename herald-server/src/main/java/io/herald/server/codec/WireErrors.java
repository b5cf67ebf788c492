package io.herald.server.codec;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.server.http.Json;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping of the core's failures to the wire (docs/protocol.md, "Errors" and "Disconnect
 * codes"): an {@link ErrorCode} to the HTTP status and JSON error body, a {@link Disconnect} to the
 * goodbye the streaming transports write and the WebSocket close code, and an error that must end a
 * session (a subscribe or a raw WebSocket publish that failed) to the {@link Disconnect} that
 * tells the client whether to reconnect. Every transport and route goes through here, so a failure
 * reads the same on every wire.
 *
 * <p>Failures arrive from futures ({@link #failure}): unwrapped, and logged once here when they are
 * not one of the contract's errors (a bug: {@link ErrorCode#INTERNAL}, whose details never reach the
 * client). Stateless and thread-safe.
 */
public final class WireErrors {
    private static final Logger log = LoggerFactory.getLogger(WireErrors.class);

    private WireErrors() {
    }

    /**
     * What a future failed with, as the contract's error; an unexpected one is logged (with
     * {@code what} failed) and becomes {@code internal}.
     *
     * @param error what the future failed with
     * @param what  the operation, for the log, e.g. {@code "POST /pub/chat"}
     */
    public static HeraldException failure(Throwable error, String what) {
        HeraldException e = HeraldException.of(error);
        if (e.code() == ErrorCode.INTERNAL && e.getCause() != null) {
            log.error("{} failed", what, e.getCause());
        } else if (e.getCause() != null) {
            log.warn("{} failed: {}: {}", what, e.code().code(), e.getCause().toString());
        }
        return e;
    }

    /** The HTTP status a request-response transport answers {@code code} with (RFC 9110, section 15). */
    public static HttpResponseStatus httpStatus(ErrorCode code) {
        return switch (code) {
            case INVALID_CHANNEL, INVALID_EVENT, INVALID_SINCE, INVALID_CALLBACK, INVALID_PARAMETER, INVALID_JSON,
                    INVALID_COMMAND -> HttpResponseStatus.BAD_REQUEST;
            case UNAUTHORIZED, TOKEN_EXPIRED -> HttpResponseStatus.UNAUTHORIZED;
            case FORBIDDEN, PUBLISH_FORBIDDEN, ORIGIN_NOT_ALLOWED -> HttpResponseStatus.FORBIDDEN;
            case HEADERS_TOO_LARGE -> HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            case REQUEST_TIMEOUT -> HttpResponseStatus.REQUEST_TIMEOUT;
            case NOT_FOUND, PRESENCE_DISABLED -> HttpResponseStatus.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> HttpResponseStatus.METHOD_NOT_ALLOWED;
            case ALREADY_SUBSCRIBED, NOT_SUBSCRIBED -> HttpResponseStatus.CONFLICT;
            case PAYLOAD_TOO_LARGE -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            case TOO_MANY_REQUESTS -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case BROKER_UNAVAILABLE, OVERLOADED, SHUTTING_DOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /**
     * The {@code WWW-Authenticate} challenge of a refusal with {@code code} (RFC 6750, section 3), or
     * null for codes that carry none: {@code Bearer} for {@code unauthorized} when the request
     * presented no credential (no error code, section 3.1), {@code Bearer error="invalid_token"} when
     * it presented one that did not verify, and for {@code token_expired} (docs/protocol.md,
     * "Access control").
     *
     * @param code                the refusal's code
     * @param credentialPresented whether the request carried a credential
     */
    public static String challenge(ErrorCode code, boolean credentialPresented) {
        return switch (code) {
            case UNAUTHORIZED -> credentialPresented ? INVALID_TOKEN_CHALLENGE : "Bearer";
            case TOKEN_EXPIRED -> INVALID_TOKEN_CHALLENGE;
            default -> null;
        };
    }

    private static final String INVALID_TOKEN_CHALLENGE = "Bearer error=\"invalid_token\"";

    /** {@code {"code":"invalid_channel","message":"..."}}: the error object of HTTP bodies and WebSocket replies. */
    public static String errorJson(ErrorCode code, String message) {
        return "{\"code\":\"" + code.code() + "\",\"message\":" + Json.quote(message) + "}";
    }

    /** The HTTP error body {@code {"error":{"code":"...","message":"..."}}} as UTF-8. */
    public static byte[] httpBody(ErrorCode code, String message) {
        return ("{\"error\":" + errorJson(code, message) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code {"code":4000,"reason":"...","reconnect":true}}: the disconnect object of every goodbye
     * (the SSE {@code herald-disconnect} event, the XHR-streaming and iframe goodbye, the WebSocket
     * protocol's {@code {"disconnect":...}}).
     */
    public static String disconnectJson(Disconnect reason) {
        return "{\"code\":" + reason.code() + ",\"reason\":" + Json.quote(reason.reason())
                + ",\"reconnect\":" + reason.reconnect() + "}";
    }

    /** The WebSocket close code for {@code reason} (RFC 6455, section 7.4: 1000-1011 as defined, 4000-4999 Herald's). */
    public static int closeCode(Disconnect reason) {
        return reason.code();
    }

    /**
     * How a session ends when an operation it depends on failed with {@code code} and the wire has
     * no reply to carry the error (a stream whose subscribe failed, a raw WebSocket publish): the
     * server's troubles ({@code broker_unavailable}, {@code overloaded}, {@code internal}) are
     * {@link Disconnect#SERVER_ERROR}, which advises reconnecting; {@code shutting_down} is
     * {@link Disconnect#SHUTDOWN}; {@code payload_too_large} is {@link Disconnect#MESSAGE_TOO_BIG};
     * {@code unauthorized}, {@code token_expired} and {@code forbidden} are 4401, 4004 and 4403;
     * the client's own mistakes are {@link Disconnect#POLICY_VIOLATION}, which advises not to.
     */
    public static Disconnect disconnectFor(ErrorCode code) {
        return switch (code) {
            case UNAUTHORIZED -> Disconnect.UNAUTHORIZED;
            case TOKEN_EXPIRED -> Disconnect.TOKEN_EXPIRED;
            case FORBIDDEN -> Disconnect.FORBIDDEN;
            case BROKER_UNAVAILABLE, OVERLOADED, INTERNAL -> Disconnect.SERVER_ERROR;
            case SHUTTING_DOWN -> Disconnect.SHUTDOWN;
            case PAYLOAD_TOO_LARGE -> Disconnect.MESSAGE_TOO_BIG;
            default -> Disconnect.POLICY_VIOLATION;
        };
    }
}
