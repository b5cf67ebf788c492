package io.herald.server.socketio.engine;

import io.herald.server.http.HttpResponses;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The Engine.IO v4 errors a request can be refused with, with the codes and messages the reference
 * server answers: an HTTP status and the body {@code {"code":N,"message":"..."}}
 * (docs/protocol.md, "Socket.IO"). Herald's own error bodies ({@link io.herald.server.codec.WireErrors})
 * are not used here: Engine.IO clients read these.
 */
public enum EngineError {
    /** {@code transport} missing or not {@code polling} / {@code websocket}. */
    UNKNOWN_TRANSPORT(0, "Transport unknown", HttpResponseStatus.BAD_REQUEST),
    /** {@code sid} names no open session. */
    UNKNOWN_SID(1, "Session ID unknown", HttpResponseStatus.BAD_REQUEST),
    /** A handshake (no {@code sid}) that is not a {@code GET}. */
    BAD_HANDSHAKE_METHOD(2, "Bad handshake method", HttpResponseStatus.BAD_REQUEST),
    /** Anything else the session cannot take: a bad payload, a second poll, a poll after the upgrade. */
    BAD_REQUEST(3, "Bad request", HttpResponseStatus.BAD_REQUEST),
    /** {@code EIO} missing or not {@code 4}. */
    UNSUPPORTED_PROTOCOL_VERSION(5, "Unsupported protocol version", HttpResponseStatus.BAD_REQUEST),
    /** A {@code POST} body over {@code maxPayload}. */
    PAYLOAD_TOO_LARGE(3, "Bad request", HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);

    private final int code;
    private final String message;
    private final HttpResponseStatus status;

    EngineError(int code, String message, HttpResponseStatus status) {
        this.code = code;
        this.message = message;
        this.status = status;
    }

    /** The Engine.IO error code of the body. */
    public int code() {
        return code;
    }

    /** Answers the request with this error (a JSON body) and keeps the connection when {@code keepAlive}. Any thread. */
    public void answer(ChannelHandlerContext ctx, boolean keepAlive) {
        byte[] body = ("{\"code\":" + code + ",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.US_ASCII);
        HttpResponses.send(ctx, keepAlive, status, HttpResponses.JSON, Unpooled.wrappedBuffer(body));
    }
}
