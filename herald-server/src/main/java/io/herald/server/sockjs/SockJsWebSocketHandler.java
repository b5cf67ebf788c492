package io.herald.server.sockjs;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a SockJS WebSocket: on Netty's handshake-complete event it attaches the
 * connection's session ({@link WebSocketReceiver}); each whole text message is a SockJS message
 * (raw {@code /websocket}) or a JSON array of them, or one JSON string ({@code /.../websocket}; an
 * empty message is ignored, broken JSON ends the connection with a close frame 1002 and nothing else).
 * Binary messages are ignored. A message over the limit closes the session {@code c[1009,"Message too big"]}
 * and the connection with 1009. The connection's close ends the session. One per connection.
 */
final class SockJsWebSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(SockJsWebSocketHandler.class);

    private final SockJsSession session;
    private final boolean raw;
    /** Set once broken JSON arrived: nothing more is read. */
    private boolean broken;

    SockJsWebSocketHandler(SockJsSession session, boolean raw) {
        this.session = session;
        this.raw = raw;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ctx.channel().closeFuture().addListener(f -> session.loop().execute(session::connectionClosed));
            WebSocketReceiver receiver;
            try {
                receiver = new WebSocketReceiver(ctx.channel(), raw);
            } catch (IllegalStateException e) { // a pipeline past which shared frames cannot be written, as /ws
                log.error("SockJS WebSocket {} refused: {}", ctx.channel().remoteAddress(), e.getMessage());
                broken = true;
                WebSocketReceiver.closeHandshake(ctx.channel(), 1011, "Internal error");
                ctx.fireUserEventTriggered(event);
                return;
            }
            session.attach(receiver);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            // The closing handshake (RFC 6455, section 5.5.1): the client's close ends the connection; it is
            // answered with a close frame unless ours was sent already.
            if (Boolean.TRUE.equals(ctx.channel().attr(WebSocketReceiver.CLOSE_SENT).get())) {
                ctx.close();
            } else {
                ctx.channel().attr(WebSocketReceiver.CLOSE_SENT).set(Boolean.TRUE);
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode() > 0 ? close.statusCode() : 1000, ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        if (broken || !(frame instanceof TextWebSocketFrame text)) {
            return;
        }
        if (raw) {
            session.receive(List.of(text.text()));
            return;
        }
        if (!text.content().isReadable()) {
            return;
        }
        byte[] bytes = new byte[text.content().readableBytes()];
        text.content().getBytes(text.content().readerIndex(), bytes);
        List<String> messages;
        try {
            messages = SockJsJson.messages(bytes, true);
        } catch (IllegalArgumentException e) {
            broken = true;
            log.debug("SockJS WebSocket {}: broken JSON, closed", ctx.channel().remoteAddress());
            WebSocketReceiver.closeHandshake(ctx.channel(), 1002, "Broken framing.");
            return;
        }
        session.receive(messages);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException && !broken) {
            // a message of fragments over the limit (the aggregator's): c[1009,..] and the close frame 1009, as /ws
            broken = true;
            log.debug("SockJS WebSocket {}: message over the limit, closed", ctx.channel().remoteAddress());
            session.close(1009, "Message too big");
            return;
        }
        log.debug("SockJS WebSocket {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
