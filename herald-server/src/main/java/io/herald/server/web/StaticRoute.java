package io.herald.server.web;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the files under the classpath folder {@code /web/} (the index page, the browser client,
 * demo pages), read once and kept in memory. {@code /} serves {@code index.html}. Unknown files get
 * 404 {@code not_found}. Thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Static files".
 */
public final class StaticRoute implements Route {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "ts", "text/plain; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "png", "image/png",
            "svg", "image/svg+xml",
            "json", "application/json; charset=utf-8");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String path = target.path().equals("/") ? "/index.html" : target.path();
        if (path.contains("..") || path.indexOf('\\') >= 0) {
            throw notFound(path);
        }
        byte[] body = cache.computeIfAbsent(path, StaticRoute::load);
        if (body.length == 0 && !path.endsWith(".txt")) {
            throw notFound(path);
        }
        String ext = path.substring(path.lastIndexOf('.') + 1);
        HttpResponses.send(ctx, HttpUtil.isKeepAlive(request), HttpResponseStatus.OK,
                TYPES.getOrDefault(ext, "application/octet-stream"), Unpooled.wrappedBuffer(body));
    }

    private static HeraldException notFound(String path) {
        return new HeraldException(ErrorCode.NOT_FOUND, "no file " + Names.quote(path));
    }

    private static byte[] load(String path) {
        try (InputStream in = StaticRoute.class.getResourceAsStream("/web" + path)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
