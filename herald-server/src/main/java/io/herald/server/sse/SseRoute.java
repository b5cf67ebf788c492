package io.herald.server.sse;

import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * {@code GET /sse/{channel}}: starts an {@link SseTransport}. The resume position is, in order of
 * precedence, the {@code Last-Event-ID} header (sent by the browser on reconnect, so it is newer
 * than anything in the URL), the {@code lastEventId} parameter, then {@code since}.
 * Errors: 400 {@code invalid_since}.
 */
public final class SseRoute implements Route {
    private final Node node;
    private final ServerConfig config;
    private final byte[] prelude;

    public SseRoute(Node node, ServerConfig config) {
        this.node = node;
        this.config = config;
        this.prelude = SseTransport.prelude(config.sseRetry());
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String header = request.headers().get("Last-Event-ID");
        StreamPosition since = header != null && !header.isEmpty()
                ? StreamPosition.parse(header.trim())
                : target.query().get("lastEventId") != null
                        ? target.query().position("lastEventId")
                        : target.query().position("since");
        new SseTransport(ctx.channel(), prelude)
                .start(ctx, node, SseTransport.CONTENT_TYPE, target.channel(), since, config.heartbeat());
    }
}
