package io.herald.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * Handles the requests of one route. Called on the connection's event loop; must not block.
 * Throwing {@link io.herald.core.HeraldException} answers with the contract's error body; any other
 * exception answers 500 {@code internal} and is logged.
 */
@FunctionalInterface
public interface Route {
    /**
     * @param ctx     the router's context; the response is written through it
     * @param request the request, released after this returns ({@code retain()} it to keep it)
     * @param target  the validated channel (or null) and query parameters
     */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) throws Exception;
}
