package io.herald.server.api;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.codec.Envelopes;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Json;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * {@code POST /pub/{channel}?event=TYPE&key=KEY}: publishes the request body as the request's principal
 * ({@link Node#publishAs}; who may publish is checked before, by
 * {@link io.herald.server.auth.HttpAccess#publish}) and answers
 * {@code 200 {"channel":"c","id":"ID","offset":N}} once the broker stored it.
 *
 * <p>The body's {@code Content-Type} decides the payload kind: {@code application/json} or
 * {@code +json} is checked to be one JSON value; {@code text/*}, form-encoded (what
 * {@code curl -d} sends) or no type at all is text and must be UTF-8 (with no type, bytes that are
 * not UTF-8 are binary); anything else is binary. Errors (docs/protocol.md, "Publishing"): 400
 * {@code invalid_event}, {@code invalid_json}, {@code invalid_parameter}; 413 over the payload
 * limit; 503 {@code overloaded}, {@code shutting_down}, or {@code broker_unavailable} when nothing
 * was stored. Each stored publication's latency (from the request to the broker's confirmation) is
 * recorded for the {@code herald_publish_latency_seconds} histogram (docs/protocol.md, "Metrics").
 */
public final class PublishRoute implements Route {
    private final Node node;
    private final LongConsumer latencyNanos;

    /** The request header naming a publication's idempotency key. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /**
     * @param node         the node
     * @param latencyNanos receives the latency of each stored publication, in nanoseconds
     */
    public PublishRoute(Node node, LongConsumer latencyNanos) {
        this.node = node;
        this.latencyNanos = latencyNanos;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        long started = System.nanoTime();
        Payload payload = payload(request.headers().get(HttpHeaderNames.CONTENT_TYPE), ByteBufUtil.getBytes(request.content()));
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        // The Idempotency-Key request header (IETF draft-ietf-httpapi-idempotency-key-header; docs/protocol.md,
        // "Idempotent publishing"): a retry within the window answers the first publication's id.
        String key = request.headers().get(IDEMPOTENCY_KEY);
        // ?key=: the conflation key stored with the publication (docs/protocol.md, "Conflation")
        node.publishAs(target.principal(), target.channel(), target.query().get("event"), payload, key,
                target.query().get("key")).whenComplete((p, error) -> {
            if (error == null) {
                latencyNanos.accept(System.nanoTime() - started);
                HttpResponses.json(ctx, keepAlive, reply(p));
            } else {
                HttpResponses.error(ctx, keepAlive, error, "POST " + target.path());
            }
        });
    }

    private static byte[] reply(Publication p) {
        return ("{\"channel\":" + Json.quote(p.channel()) + ",\"id\":\"" + p.id() + "\",\"offset\":" + p.offset() + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The payload for a body of the given content type.
     *
     * @throws HeraldException {@code invalid_json} or {@code invalid_parameter} (text that is not UTF-8)
     */
    public static Payload payload(String contentType, byte[] body) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).trim();
        String mediaType = type.contains(";") ? type.substring(0, type.indexOf(';')).trim() : type;
        if (mediaType.equals("application/json") || mediaType.endsWith("+json")) {
            Envelopes.checkJson(body);
            return new Payload(Payload.Kind.JSON, contentType, body);
        }
        boolean utf8 = isUtf8(body);
        if (mediaType.isEmpty()) {
            return utf8 ? new Payload(Payload.Kind.TEXT, "text/plain; charset=utf-8", body) : Payload.binary(body);
        }
        if (mediaType.startsWith("text/") || mediaType.equals("application/x-www-form-urlencoded")) {
            if (!utf8) {
                throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                        "body of type " + mediaType + " is not valid UTF-8 (expected: UTF-8 text, or send it as application/octet-stream)");
            }
            return new Payload(Payload.Kind.TEXT, contentType, body);
        }
        return new Payload(Payload.Kind.BINARY, contentType, body);
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
