package io.herald.server.websocket;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Action;
import io.herald.core.auth.Principal;
import io.herald.server.ServerConfig;
import io.herald.server.auth.Credentials;
import io.herald.server.auth.RequestCredentials;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * {@code GET /ws} (the JSON protocol, {@link ProtocolWebSocketTransport}) and
 * {@code GET /ws/{channel}[?since=ID]} (raw frames, {@link RawWebSocketTransport}): checks the
 * request and upgrades the connection to WebSocket (RFC 6455, section 4.2).
 *
 * <p>Before upgrading it answers the contract's HTTP errors: 400 {@code invalid_parameter} when
 * the request is not a WebSocket opening handshake ({@code Upgrade: websocket},
 * {@code Connection: Upgrade}, {@code Sec-WebSocket-Key}; section 4.2.1), 400
 * {@code invalid_since} for a malformed {@code since} on the raw route (the router already
 * answered 400 {@code invalid_channel}); with access control on, the raw route's 401
 * {@code unauthorized} / {@code token_expired} and 403 {@code forbidden} (the credential is the
 * {@code Authorization} header, the {@code herald.bearer.TOKEN} subprotocol, the cookie or a
 * {@code ?token=} ticket; {@link RequestCredentials}). The {@code /ws} protocol route takes its token
 * in its {@code connect} command instead. An unsupported {@code Sec-WebSocket-Version} gets Netty's
 * 426 answer (section 4.4).
 *
 * <p>The upgrade adapts this connection's pipeline, after the router, to:
 * <pre>
 * ws          WebSocketServerProtocolHandler  handshake; answers ping and close frames; 1009 for a
 *                                             frame over the payload limit; replaces the HTTP codec
 * ws-messages WebSocketFrameAggregator        joins fragments; the same limit per message
 * ws-frames   WebSocketFrameHandler           starts the transport on HandshakeComplete; frames to it
 * </pre>
 * then removes the router (and Netty's handshake removes the body aggregator) and passes the
 * retained request on to the handshake. Stateless and shared; runs on the connection's event loop.
 *
 * <p>Wire contract: docs/protocol.md, "Endpoints".
 */
public final class WebSocketRoute implements Route {
    private final Node node;
    private final ServerConfig config;
    private final WebSocketAccess access;
    private final RequestCredentials requestCredentials;

    /**
     * @param node        the node sessions subscribe and publish on; its {@code maxPayloadBytes} is the
     *                    largest message accepted
     * @param config      the server configuration (heartbeat interval, {@code auth}, WebSocket rate limits)
     * @param credentials the loaded token keys; access control is on when it has a verifier
     */
    public WebSocketRoute(Node node, ServerConfig config, Credentials credentials) {
        this.node = node;
        this.config = config;
        this.access = WebSocketAccess.of(credentials, config.auth());
        this.requestCredentials = new RequestCredentials(credentials, config.auth());
    }

    /**
     * Upgrades the connection, or throws the contract's error before anything is written.
     *
     * @throws HeraldException {@code invalid_parameter} when not a WebSocket upgrade,
     *                         {@code invalid_since} for a malformed {@code since}; on the raw route
     *                         with access control on, {@code unauthorized} or {@code token_expired}
     *                         (401) for a missing or bad credential and {@code forbidden} (403) when
     *                         its principal may not subscribe to the channel
     */
    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        if (!isUpgrade(request.headers())) {
            throw new HeraldException(ErrorCode.INVALID_PARAMETER, "expected a WebSocket upgrade (RFC 6455, section 4.1:"
                    + " GET with Upgrade: websocket, Connection: Upgrade and Sec-WebSocket-Key)");
        }
        if (target.channel() == null) {
            upgrade(ctx, request, new ProtocolWebSocketTransport(ctx.channel(), node, config.heartbeat(), access,
                    new FloodGuard(config)));
            return;
        }
        String channel = target.channel();
        StreamPosition since = target.query().position("since");
        Principal principal = Principal.ANONYMOUS;
        if (access.enabled()) {
            // Before the 101: a refusal is an HTTP status the client can see (RFC 6455, section 4.2.2).
            principal = requestCredentials.principal(request, RequestCredentials.Use.WEBSOCKET, channel,
                    target.query().get(RequestCredentials.TICKET_PARAMETER));
            node.authorize(principal, Action.SUBSCRIBE, channel, null);
        }
        Principal who = principal;
        if (since != null || node.optionsOf(channel).historySize() == 0) {
            upgrade(ctx, request, raw(ctx, channel, since, who));
            return;
        }
        // Without since the client expects every publication made after its 101: the subscription
        // only goes live after it (on Redis, once the SUBSCRIBE is confirmed), so the channel's top is
        // read now and the subscription resumes from it (docs/protocol.md, "WebSocket, raw").
        FullHttpRequest held = request.retain();
        ctx.channel().config().setAutoRead(false);
        node.history(channel, null, 0).whenComplete((page, error) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            try {
                if (error != null) {
                    HttpResponses.error(ctx, false, error, "GET " + target.path());
                } else {
                    upgrade(ctx, held, raw(ctx, channel, page.next(), who));
                }
            } finally {
                held.release();
            }
        }));
    }

    private RawWebSocketTransport raw(ChannelHandlerContext ctx, String channel, StreamPosition since, Principal who) {
        return new RawWebSocketTransport(ctx.channel(), node, config.heartbeat(), channel, since, access, who,
                new FloodGuard(config));
    }

    /** Adapts the pipeline to WebSocket and passes the request on to the handshake (see the class comment). */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, WebSocketTransport transport) {
        int maxBytes = node.config().maxPayloadBytes();
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                // The handshake handler compares the raw request URI, query included, so this matches exactly this request.
                .websocketPath(request.uri())
                .checkStartsWith(false)
                .maxFramePayloadLength(maxBytes)
                .allowExtensions(false)
                // Select "herald" when offered; never echo herald.bearer.TOKEN (docs/protocol.md, "WebSocket, raw").
                .subprotocols(RequestCredentials.SUBPROTOCOL)
                .handleCloseFrames(true)
                // Our transports always send their own close frame with a code from the Disconnect catalogue.
                .sendCloseFrame(null)
                .build();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "ws", new WebSocketServerProtocolHandler(protocol))
                .addAfter("ws", "ws-messages", new WebSocketFrameAggregator(maxBytes))
                .addAfter("ws-messages", "ws-frames", new WebSocketFrameHandler(transport));
        pipeline.remove(ctx.name());
        // The router releases the request when this returns; the handshake handler releases this reference.
        ctx.fireChannelRead(request.retain());
    }

    /**
     * Whether a request is a WebSocket opening handshake (RFC 6455, section 4.1: {@code Upgrade: websocket},
     * {@code Connection: Upgrade}, {@code Sec-WebSocket-Key}); also used by the Socket.IO endpoint.
     */
    public static boolean isUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && headers.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY);
    }
}
