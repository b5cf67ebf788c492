package io.herald.server.polling;

import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.codec.Cursor;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.time.Duration;

/**
 * {@code GET /longpoll/{channel}?since=ID&timeout=S} and {@code GET /longpoll?channel=a&channel=b&since=CURSOR}
 * (docs/protocol.md, "Several channels on one request"): starts a {@link LongPollTransport}.
 *
 * <p>{@code since} is the id to resume after (absent: wait for the next publication);
 * {@code timeout} how many seconds to hold the request, an integer in
 * {@code 1..longPollMaxTimeout} (absent: the configured {@code longPollTimeout}).
 * Errors: 400 {@code invalid_since}, 400 {@code invalid_parameter}, 503 {@code shutting_down}.
 *
 * <p>Wire contract: docs/protocol.md, "Long polling".
 */
public final class LongPollRoute implements Route {
    private final Node node;
    private final Duration defaultTimeout;
    private final int maxTimeoutSeconds;

    /**
     * @param node   the node
     * @param config the server configuration ({@code longPollTimeout}, {@code longPollMaxTimeout})
     */
    public LongPollRoute(Node node, ServerConfig config) {
        this.node = node;
        this.defaultTimeout = config.longPollTimeout();
        this.maxTimeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.longPollMaxTimeout().toSeconds()));
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        if (target.multi()) {
            Cursor cursor = Cursor.parse(target.channels(), target.query().get("since"));
            Duration wait = timeout(target);
            new LongPollTransport(ctx, HttpUtil.isKeepAlive(request), cursor, target.privacy())
                    .start(node, target.principal(), wait);
            return;
        }
        StreamPosition since = target.query().position("since");
        Duration wait = timeout(target);
        new LongPollTransport(ctx, HttpUtil.isKeepAlive(request), since, target.privacy())
                .start(node, target.channel(), target.principal(), wait);
    }

    private Duration timeout(RouteTarget target) {
        int seconds = target.query().intParam("timeout", -1, 1, maxTimeoutSeconds);
        return seconds < 0 ? defaultTimeout : Duration.ofSeconds(seconds);
    }
}
