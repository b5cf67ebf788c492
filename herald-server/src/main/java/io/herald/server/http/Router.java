package io.herald.server.http;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.herald.server.codec.Cursor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches whole HTTP requests to {@link Route}s by the first path segment, validating the
 * channel segment and the method first, and turns failures into the contract's error bodies in
 * one place: 400 for a bad channel or parameter, 404 for an unknown route, 405 for a wrong method,
 * 500 (logged, never a stack trace on the wire) for anything unexpected.
 *
 * <p>Routes are registered before the server starts; the router is then immutable and shared by
 * every connection. Thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "HTTP conventions".
 */
@Sharable
public final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    /** Whether a route's path has a channel segment after its name. */
    public enum ChannelSegment {
        /** {@code /name} only. */
        NONE,
        /** {@code /name/{channel}} only. */
        REQUIRED,
        /** {@code /name} or {@code /name/{channel}}. */
        OPTIONAL,
        /**
         * {@code /name/{channel}}, or {@code /name?channel=a&channel=b...} (docs/protocol.md, "Several
         * channels on one request"); {@code /name} without a {@code channel} parameter is 404.
         */
        REQUIRED_OR_PARAMETERS
    }

    /** Who answers the CORS preflight ({@code OPTIONS}) of a path prefix {@link #mount mounted} on a route. */
    public enum Preflight {
        /**
         * The router, as for every other route (docs/protocol.md, "HTTP conventions"); the route never
         * sees an {@code OPTIONS} request (e.g. Socket.IO, docs/protocol.md "Socket.IO").
         */
        ROUTER,
        /** The route itself, whose protocol defines its own {@code OPTIONS} answers (e.g. SockJS, docs/protocol.md "SockJS"). */
        ROUTE
    }

    /** A route: a method and channel segment, or (a mount) a preflight and neither of those. */
    private record Entry(HttpMethod method, ChannelSegment segment, Preflight mount, Route route) {
    }

    private final Map<String, Entry> routes = new HashMap<>();
    private final ConnectionCounter connections;
    private final int maxConnections;
    private final String endpoints;
    private volatile boolean frozen;

    /**
     * A router of the public port.
     *
     * @param connections    the shared connection counter
     * @param maxConnections connections beyond this many get 429 {@code too_many_requests} and are closed
     */
    public Router(ConnectionCounter connections, int maxConnections) {
        this(connections, maxConnections, "see GET / for the endpoints");
    }

    /**
     * @param connections    the shared connection counter
     * @param maxConnections connections beyond this many get 429 {@code too_many_requests} and are closed
     * @param endpoints      where the endpoints are told, for the message of a 404
     */
    public Router(ConnectionCounter connections, int maxConnections, String endpoints) {
        this.connections = connections;
        this.maxConnections = maxConnections;
        this.endpoints = endpoints;
    }

    /**
     * Registers a route.
     *
     * @param method  the one method it answers (others get 405)
     * @param name    the first path segment, e.g. {@code "sse"}; {@code ""} for {@code /}
     * @param segment whether a channel segment follows
     * @param route   the handler
     * @return this
     * @throws IllegalStateException after the router served its first request, or for a duplicate name
     */
    public Router route(HttpMethod method, String name, ChannelSegment segment, Route route) {
        return add(name, new Entry(method, segment, null, route));
    }

    private Router add(String name, Entry entry) {
        if (frozen) {
            throw new IllegalStateException("routes are fixed once the server runs");
        }
        if (routes.putIfAbsent(name, entry) != null) {
            throw new IllegalStateException("route /" + name + " registered twice");
        }
        return this;
    }

    /**
     * Mounts a route on a whole path prefix, for protocols that own a URL space (SockJS, Socket.IO,
     * Engine.IO): the route receives every request for {@code /name} and {@code /name/} followed by
     * anything, with any method, the whole path in {@link RouteTarget#path()} (which it parses itself;
     * no channel check is made and {@link RouteTarget#channel()} is null) and the decoded query; it
     * answers methods itself (no 405 from the router). {@code OPTIONS} requests reach it only with
     * {@link Preflight#ROUTE}; with {@link Preflight#ROUTER} the router answers them as the CORS
     * preflight (docs/protocol.md, "HTTP conventions").
     *
     * @param name      the first path segment, e.g. {@code "sockjs"}
     * @param route     the handler
     * @param preflight who answers {@code OPTIONS}
     * @return this
     * @throws IllegalStateException after the router served its first request, or for a duplicate name
     */
    public Router mount(String name, Route route, Preflight preflight) {
        return add(name, new Entry(null, null, Objects.requireNonNull(preflight, "preflight"), route));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        frozen = true;
        if (connections.open() > maxConnections) {
            var answered = HttpResponses.error(ctx, false, ErrorCode.TOO_MANY_REQUESTS,
                    "over the connection limit of " + maxConnections + "; retry later");
            Channel connection = ctx.channel().parent();
            if (connection != null) {
                // An HTTP/2 stream: closing it leaves the connection; close that too (GOAWAY).
                answered.addListener(f -> connection.close());
            }
            return;
        }
        try {
            dispatch(ctx, request);
        } catch (HeraldException e) {
            HttpResponses.error(ctx, HttpUtil.isKeepAlive(request), e);
        } catch (Exception e) {
            log.error("{} {} failed", request.method(), AccessLog.redact(request.uri()), e);
            HttpResponses.error(ctx, HttpUtil.isKeepAlive(request), ErrorCode.INTERNAL, "internal server error");
        }
    }

    private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
        if (!request.decoderResult().isSuccess()) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, "malformed HTTP request");
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path;
        QueryParams query;
        try {
            path = uri.path();
            query = new QueryParams(uri);
        } catch (IllegalArgumentException e) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, "malformed percent-encoding in the request target ("
                    + e.getMessage() + ")");
        }
        if (!path.startsWith("/")) {
            throw new HeraldException(ErrorCode.NOT_FOUND, "no route for " + Names.quote(path));
        }
        int slash = path.indexOf('/', 1);
        String name = slash < 0 ? path.substring(1) : path.substring(1, slash);
        String rest = slash < 0 ? null : path.substring(slash + 1);
        Entry entry = routes.get(name);
        if (entry != null && entry.mount != null) {
            if (entry.mount == Preflight.ROUTER && request.method().equals(HttpMethod.OPTIONS)) {
                HttpResponses.preflight(ctx, request);
            } else {
                entry.route.handle(ctx, request, new RouteTarget(path, (String) null, query)); // the route owns the rest
            }
            return;
        }
        if (entry == null
                || (rest != null && entry.segment == ChannelSegment.NONE)
                || (rest == null && entry.segment == ChannelSegment.REQUIRED)
                || (rest == null && entry.segment == ChannelSegment.REQUIRED_OR_PARAMETERS && query.get("channel") == null)) {
            throw new HeraldException(ErrorCode.NOT_FOUND, "no route for " + Names.quote(path) + " (" + endpoints + ")");
        }
        if (request.method().equals(HttpMethod.OPTIONS)) {
            HttpResponses.preflight(ctx, request);
            return;
        }
        if (!request.method().equals(entry.method)) {
            throw new HeraldException(ErrorCode.METHOD_NOT_ALLOWED, request.method() + " " + Names.quote(path)
                    + " (expected: " + entry.method + ")");
        }
        if (rest == null && entry.segment == ChannelSegment.REQUIRED_OR_PARAMETERS) {
            entry.route.handle(ctx, request, new RouteTarget(path, channels(query.all("channel")), query));
            return;
        }
        String channel = rest == null ? null : Names.checkChannel(rest);
        entry.route.handle(ctx, request, new RouteTarget(path, channel, query));
    }

    /**
     * The {@code channel} parameters of a request of several channels: 1..{@link Cursor#MAX_CHANNELS}
     * valid, distinct names (docs/protocol.md, "Several channels on one request").
     *
     * @throws HeraldException {@code invalid_parameter} for more or a repeated one, {@code invalid_channel}
     *                         for a name that is not valid
     */
    static List<String> channels(List<String> names) {
        if (names.size() > Cursor.MAX_CHANNELS) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, names.size() + " channel parameters (expected: 1.."
                    + Cursor.MAX_CHANNELS + ")");
        }
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            Names.checkChannel(name);
            if (!seen.add(name)) {
                throw new HeraldException(ErrorCode.INVALID_PARAMETER, "channel " + Names.quote(name)
                        + " given twice (expected: each channel once)");
            }
        }
        return List.copyOf(names);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionErrors.caught(ctx, cause);
    }
}
