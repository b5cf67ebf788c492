package io.herald.server.websocket;

import io.herald.core.Disconnect;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upgraded connection: it starts its {@link WebSocketTransport} on Netty's
 * {@link WebSocketServerProtocolHandler.HandshakeComplete} event and hands it every whole data
 * message. Control frames (ping, pong, close; RFC 6455, section 5.5) are answered by the protocol
 * handler before they get here, and fragments (section 5.4) are joined by the frame aggregator.
 *
 * <p>Inbound frames are released after {@link WebSocketTransport#frameReceived} returns
 * ({@link SimpleChannelInboundHandler} does it). Errors: a message over the payload limit made of
 * fragments (the aggregator's {@link TooLongFrameException}) closes with {@code 1009}; a single
 * oversized or malformed frame was already closed by the frame decoder with {@code 1009} or
 * {@code 1002} (section 7.4.1); I/O errors are logged at debug and the connection closes.
 * One instance per connection, on its event loop.
 */
final class WebSocketFrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameHandler.class);

    private final WebSocketTransport transport;

    /** @param transport the connection's transport, started on the handshake */
    WebSocketFrameHandler(WebSocketTransport transport) {
        this.transport = transport;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            transport.handshakeComplete();
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        transport.frameReceived(frame);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.debug("connection {}: message over the payload limit", ctx.channel().remoteAddress());
            transport.violation(Disconnect.MESSAGE_TOO_BIG);
        } else if (cause instanceof CorruptedWebSocketFrameException
                || cause instanceof IOException || cause instanceof ClosedChannelException) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            log.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
            transport.violation(Disconnect.SERVER_ERROR);
        }
    }
}
