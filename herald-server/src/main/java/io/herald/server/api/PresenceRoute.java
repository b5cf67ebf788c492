package io.herald.server.api;

import io.herald.core.Node;
import io.herald.server.codec.PresenceJson;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code GET /presence/{channel}}: who is subscribed to the channel, across the nodes sharing the
 * broker, {@code {"channel":"c","clients":[{"client":"ID","user":"42"},...]}}; with
 * {@code ?count=true} only the counts, {@code {"channel":"c","clients":N,"users":M}}. Checked as
 * reading the channel's history. Errors: 400 {@code invalid_channel}, {@code invalid_parameter}
 * ({@code count} not {@code true} or {@code false}); 404 {@code presence_disabled} (the namespace
 * keeps no presence); 401/403 with access control; 503 {@code broker_unavailable}
 * (docs/protocol.md, "Presence").
 */
public final class PresenceRoute implements Route {
    private final Node node;

    /** @param node the node */
    public PresenceRoute(Node node) {
        this.node = node;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String channel = target.channel();
        if (target.query().booleanParam("count", false)) {
            answer(ctx, request, target, node.presenceStats(target.principal(), channel), s -> PresenceJson.stats(channel, s));
        } else {
            answer(ctx, request, target, node.presence(target.principal(), channel), c -> PresenceJson.clients(channel, c));
        }
    }

    /** Answers with {@code body} of what {@code read} gives, or with the error it fails with. */
    private static <T> void answer(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target,
                                   CompletableFuture<T> read, Function<T, byte[]> body) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        read.whenComplete((value, error) -> {
            if (error == null) {
                HttpResponses.json(ctx, keepAlive, body.apply(value), target.privacy());
            } else {
                HttpResponses.error(ctx, keepAlive, error, "GET " + target.path());
            }
        });
    }
}
