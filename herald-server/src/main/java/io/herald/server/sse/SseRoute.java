package io.herald.server.sse;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.codec.Cursor;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * {@code GET /sse/{channel}} and {@code GET /sse?channel=a&channel=b} (a {@link Cursor} of
 * several channels, docs/protocol.md "Several channels on one request"): starts an {@link SseTransport}. The resume position is, in order of
 * precedence, the {@code Last-Event-ID} header (sent by the browser on reconnect, so it is newer
 * than anything in the URL), the {@code lastEventId} parameter, then {@code since}. The opt-in
 * {@code format=envelope} and {@code heartbeat=event} are described on {@link SseTransport}.
 * Errors: 400 {@code invalid_since}, 400 {@code invalid_parameter} for another {@code format}
 * or {@code heartbeat}.
 *
 * <p>Wire contract: docs/protocol.md, "Server-Sent Events".
 */
public final class SseRoute implements Route {
    private final Node node;
    private final ServerConfig config;
    private final byte[] prelude;
    private final byte[] preludeWithHeartbeat;

    public SseRoute(Node node, ServerConfig config) {
        this.node = node;
        this.config = config;
        this.prelude = SseTransport.prelude(config.sseRetry(), false);
        this.preludeWithHeartbeat = SseTransport.prelude(config.sseRetry(), true);
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String header = request.headers().get("Last-Event-ID");
        String position = header != null && !header.isEmpty()
                ? header.trim()
                : target.query().get("lastEventId") != null
                        ? target.query().get("lastEventId")
                        : target.query().get("since");
        boolean envelopes = option(target, "format", "envelope");
        boolean heartbeatEvents = option(target, "heartbeat", "event");
        byte[] first = heartbeatEvents ? preludeWithHeartbeat : prelude;
        if (target.multi()) {
            // Several channels: always envelopes, which name their channel; format=envelope drops the event: line
            // so that EventSource.onmessage sees every type (docs/protocol.md, "Several channels on one request").
            Cursor cursor = Cursor.parse(target.channels(), position);
            new SseTransport(ctx.channel(), first, envelopes, heartbeatEvents)
                    .start(ctx, node, config, SseTransport.CONTENT_TYPE, target, cursor);
        } else {
            StreamPosition since = StreamPosition.parseOrNull(position);
            new SseTransport(ctx.channel(), first, envelopes, heartbeatEvents)
                    .start(ctx, node, config, SseTransport.CONTENT_TYPE, target, since);
        }
    }

    /** Whether the parameter {@code name} is {@code value}; absent is false, anything else is an error. */
    private static boolean option(RouteTarget target, String name, String value) {
        String raw = target.query().get(name);
        if (raw == null || raw.isEmpty()) {
            return false;
        }
        if (!raw.equals(value)) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER,
                    name + " " + Names.quote(raw) + " (expected: " + value + " or absent)");
        }
        return true;
    }
}
