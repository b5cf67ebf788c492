package io.herald.server.api;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /admin/disconnect} on the admin listener: a test switch, routed only with
 * {@code --admin}, that drops every session with {@link Disconnect#FORCE_RECONNECT}; clients
 * reconnect and resume. Answers {@code {"disconnected":N}}. Protect it like any operator endpoint
 * (the admin listener binds to loopback by default).
 *
 * <p>Wire contract: docs/protocol.md, "Admin switch".
 */
public final class AdminRoute implements Route {
    private final Node node;

    public AdminRoute(Node node) {
        this.node = node;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        if (!"disconnect".equals(target.channel())) {
            throw new HeraldException(ErrorCode.NOT_FOUND, "no admin action " + target.channel() + " (expected: disconnect)");
        }
        int n = node.disconnectAll(Disconnect.FORCE_RECONNECT);
        HttpResponses.json(ctx, HttpUtil.isKeepAlive(request),
                ("{\"disconnected\":" + n + "}").getBytes(StandardCharsets.US_ASCII));
    }
}
