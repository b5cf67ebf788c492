package io.herald.server.metrics;

import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: the Prometheus text format (version 0.0.4) of {@link HeraldMetrics}.
 *
 * <p>Wire contract: docs/protocol.md, "Metrics".
 */
public final class MetricsRoute implements Route {
    private final HeraldMetrics metrics;

    public MetricsRoute(HeraldMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        HttpResponses.send(ctx, HttpUtil.isKeepAlive(request), HttpResponseStatus.OK,
                "text/plain; version=0.0.4; charset=utf-8",
                Unpooled.wrappedBuffer(metrics.scrape().getBytes(StandardCharsets.UTF_8)));
    }
}
