package io.herald.server.socketio.engine;

import io.herald.server.transport.FramedWrites;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an Engine.IO WebSocket: binds the connection to its session once the opening
 * handshake completed (a new session, or the upgrade probe of a polling one) and hands it every
 * whole text or binary message, copied, on the session's event loop. Control frames were answered
 * by Netty's protocol handler, fragments joined by the aggregator; a message over
 * {@code maxPayload} (or any failure) closes the connection, which ends its session. Once the
 * handshake completed it checks the pipeline for frames written pre-framed ({@link #framed()}); a
 * pipeline past which they cannot be written gets the close frame {@code 1011}, as on {@code /ws}.
 * One per connection, on its event loop.
 */
final class EngineWebSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(EngineWebSocketHandler.class);

    private final EngineServer server;
    private final EngineSocket probed;
    private EngineSocket socket;
    private Channel channel;
    /** Whether the opening handshake completed; on the connection's loop. */
    private boolean open;
    /** Whether the session refused this WebSocket; on the connection's loop. */
    private boolean refused;
    /** Where shared frames are written past the frame encoder, or null; on the connection's loop. */
    private FramedWrites framed;
    /** Whether the pipeline cannot take shared frames (the connection is closing); on the connection's loop. */
    private boolean broken;

    /** @param probed the polling session this WebSocket upgrades, or null for a new session */
    EngineWebSocketHandler(EngineServer server, EngineSocket probed) {
        this.server = server;
        this.probed = probed;
    }

    void bind(EngineSocket socket) {
        this.socket = socket;
    }

    /**
     * Where a packet's shared WebSocket frame is written past the frame encoder
     * ({@link EnginePacket#shared}), or null when the pipeline has no encoder. Call on the
     * connection's event loop, after the opening handshake.
     */
    FramedWrites framed() {
        return framed;
    }

    /**
     * Refuses this WebSocket (a second probe of a session, or one after its upgrade): it is closed
     * with a close frame once its opening handshake is done (a client sees a WebSocket that opens and
     * closes, as with the reference server). Any thread.
     */
    void refuse() {
        channel.eventLoop().execute(() -> {
            refused = true;
            socket = null;
            if (open) {
                closeRefused();
            }
        });
    }

    private void closeRefused() {
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            open = true;
            try {
                framed = FramedWrites.at(ctx.channel(), WebSocketFrameEncoder.class);
            } catch (IllegalStateException e) { // a pipeline past which shared frames cannot be written, as /ws
                log.error("Engine.IO WebSocket {} refused: {}", ctx.channel().remoteAddress(), e.getMessage());
                broken = true;
                ctx.channel().writeAndFlush(new CloseWebSocketFrame(1011, "Internal error"))
                        .addListener(ChannelFutureListener.CLOSE);
                ctx.fireUserEventTriggered(event);
                return;
            }
            if (refused) {
                closeRefused();
            } else {
                server.webSocketOpen(ctx.channel(), probed, this);
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        EngineSocket s = socket;
        if (s == null || broken) {
            return;
        }
        Channel ch = ctx.channel();
        if (frame instanceof TextWebSocketFrame text) {
            String t = text.text();
            run(s, () -> s.webSocketText(ch, t));
        } else if (frame instanceof BinaryWebSocketFrame binary) {
            byte[] b = EngineServer.bytes(binary.content());
            run(s, () -> s.webSocketBinary(ch, b));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        EngineSocket s = socket;
        if (s != null) {
            Channel ch = ctx.channel();
            run(s, () -> s.webSocketWritabilityChanged(ch));
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        EngineSocket s = socket;
        if (s != null) {
            Channel ch = ctx.channel();
            run(s, () -> s.webSocketClosed(ch));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Engine.IO WebSocket {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private static void run(EngineSocket s, Runnable task) {
        if (s.loop().inEventLoop()) {
            task.run();
        } else {
            s.loop().execute(task);
        }
    }
}
