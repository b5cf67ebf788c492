package io.herald.server.socketio.engine;

import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.herald.server.websocket.WebSocketRoute;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An Engine.IO v4 endpoint (docs/protocol.md, "Socket.IO"), routed at a path such as
 * {@code /socket.io/}: the handshake ({@code GET ?EIO=4&transport=polling}, or a WebSocket upgrade
 * with {@code transport=websocket}), the polls and posts of long-polling sessions ({@code sid}), and
 * the upgrade of a polling session to a WebSocket. Refusals are {@link EngineError}s.
 *
 * <p>The WebSocket upgrade uses Netty's codecs: the connection's pipeline gets, after the router
 * (which it replaces), {@link WebSocketServerProtocolHandler} (handshake, ping/close frames, the
 * frame limit of {@code maxPayload}), {@link WebSocketFrameAggregator} and
 * {@link EngineWebSocketHandler}.
 *
 * <p>Sessions live in a concurrent map by id; each belongs to an event loop ({@link EngineSocket}),
 * to which requests for it hop. Thread-safe.
 */
public final class EngineServer implements Route {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EngineConfig config;
    private final EngineHandler.Factory handlers;
    private final ConcurrentHashMap<String, EngineSocket> sessions = new ConcurrentHashMap<>();

    /**
     * @param config   the handshake's settings and the bounds
     * @param handlers creates what sits on each new session
     */
    public EngineServer(EngineConfig config, EngineHandler.Factory handlers) {
        this.config = config;
        this.handlers = handlers;
    }

    /** The endpoint's settings. */
    public EngineConfig config() {
        return config;
    }

    /** Open sessions (polling or WebSocket). */
    public int sessionCount() {
        return sessions.size();
    }

    /** Closes every session (server shutdown). Any thread. */
    public void closeAll() {
        for (EngineSocket s : sessions.values()) {
            s.loop().execute(() -> s.close("server shutting down"));
        }
    }

    /** Keeps a closed session's id known for a while ({@link EngineSocket}'s linger). */
    void keep(EngineSocket socket) {
        sessions.put(socket.sid(), socket);
    }

    void remove(EngineSocket socket) {
        sessions.remove(socket.sid(), socket);
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!"4".equals(target.query().get("EIO"))) {
            EngineError.UNSUPPORTED_PROTOCOL_VERSION.answer(ctx, keepAlive);
            return;
        }
        String transport = target.query().get("transport");
        boolean webSocket = "websocket".equals(transport);
        if (!webSocket && !"polling".equals(transport)) {
            EngineError.UNKNOWN_TRANSPORT.answer(ctx, keepAlive);
            return;
        }
        String sid = target.query().get("sid");
        EngineSocket socket = null;
        if (sid != null) {
            socket = sessions.get(sid);
            if (socket == null) {
                EngineError.UNKNOWN_SID.answer(ctx, keepAlive);
                return;
            }
        } else if (!request.method().equals(HttpMethod.GET)) {
            EngineError.BAD_HANDSHAKE_METHOD.answer(ctx, keepAlive);
            return;
        }
        if (webSocket) {
            if (!request.method().equals(HttpMethod.GET) || !WebSocketRoute.isUpgrade(request.headers())) {
                EngineError.BAD_REQUEST.answer(ctx, keepAlive);
                return;
            }
            upgrade(ctx, request, socket);
            return;
        }
        if (socket == null) {
            EngineSocket created = open(ctx.channel().eventLoop());
            created.poll(ctx, keepAlive); // answered at once with the open packet queued by open()
            return;
        }
        EngineSocket s = socket;
        if (request.method().equals(HttpMethod.GET)) {
            onLoop(s, () -> s.poll(ctx, keepAlive));
        } else if (request.method().equals(HttpMethod.POST)) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            onLoop(s, () -> s.post(ctx, keepAlive, body));
        } else {
            EngineError.BAD_REQUEST.answer(ctx, keepAlive);
        }
    }

    private static void onLoop(EngineSocket s, Runnable task) {
        if (s.loop().inEventLoop()) {
            task.run();
        } else {
            s.loop().execute(task);
        }
    }

    /** A new session on {@code loop} with its open packet queued; call on {@code loop}. */
    private EngineSocket open(EventLoop loop) {
        return open(loop, null, null);
    }

    private EngineSocket open(EventLoop loop, Channel webSocket, EngineWebSocketHandler frames) {
        String sid = newSid();
        EngineSocket socket = new EngineSocket(this, sid, loop, config);
        sessions.put(sid, socket);
        if (webSocket != null) {
            socket.webSocketOpened(webSocket, frames);
        }
        socket.send(new EnginePacket(EnginePacket.OPEN, config.handshake(sid, webSocket == null), null));
        socket.start(handlers.open(socket));
        return socket;
    }

    private static String newSid() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Called by the WebSocket handler once the opening handshake completed, on the connection's loop. */
    void webSocketOpen(Channel channel, EngineSocket probed, EngineWebSocketHandler frames) {
        if (probed == null) {
            EngineSocket socket = open(channel.eventLoop(), channel, frames);
            frames.bind(socket);
            socket.flush();
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, EngineSocket probed) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(request.uri())
                .checkStartsWith(false)
                .maxFramePayloadLength(config.maxPayload())
                .allowExtensions(false)
                .handleCloseFrames(true)
                .build();
        ChannelPipeline pipeline = ctx.pipeline();
        EngineWebSocketHandler frames = new EngineWebSocketHandler(this, probed);
        pipeline.addAfter(ctx.name(), "ws", new WebSocketServerProtocolHandler(protocol))
                .addAfter("ws", "ws-messages", new WebSocketFrameAggregator(config.maxPayload()))
                .addAfter("ws-messages", "engine-frames", frames);
        if (probed != null) {
            // The session knows its probe before the client sees the 101, so a poll sent after the
            // client's "open" finds it; a failed handshake closes the channel, which forgets it.
            Channel channel = ctx.channel();
            frames.bind(probed);
            onLoop(probed, () -> probed.probeOpened(channel, frames));
        }
        pipeline.remove(ctx.name());
        // The router releases the request when this returns; the handshake handler releases this reference.
        ctx.fireChannelRead(request.retain());
    }

    /** The bytes of a buffer, copied. */
    static byte[] bytes(io.netty.buffer.ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }
}
