package io.herald.server.xhr;

import io.herald.core.Node;
import io.herald.server.ServerConfig;
import io.herald.server.codec.Cursor;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * {@code GET /stream/{channel}?since=ID} and {@code GET /stream?channel=a&channel=b&since=CURSOR}
 * (docs/protocol.md, "Several channels on one request"): starts an {@link XhrStreamTransport},
 * resuming after {@code since} when given. Errors: 400 {@code invalid_since}, 503 {@code shutting_down}.
 *
 * <p>Wire contract: docs/protocol.md, "XHR streaming".
 */
public final class XhrStreamRoute implements Route {
    private final Node node;
    private final ServerConfig config;
    private final byte[] prelude;

    /**
     * @param node   the node
     * @param config the server configuration ({@code paddingBytes}, {@code heartbeat})
     */
    public XhrStreamRoute(Node node, ServerConfig config) {
        this.node = node;
        this.config = config;
        this.prelude = XhrStreamTransport.prelude(config.paddingBytes());
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        XhrStreamTransport transport = new XhrStreamTransport(ctx.channel(), prelude);
        if (target.multi()) {
            transport.start(ctx, node, config, XhrStreamTransport.CONTENT_TYPE, target,
                    Cursor.parse(target.channels(), target.query().get("since")));
        } else {
            transport.start(ctx, node, config, XhrStreamTransport.CONTENT_TYPE, target, target.query().position("since"));
        }
    }
}
