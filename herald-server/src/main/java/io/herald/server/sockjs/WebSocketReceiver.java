package io.herald.server.sockjs;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket carrying one SockJS session (docs/protocol.md, "SockJS"): {@code /{server}/{session}/websocket}
 * sends each SockJS frame as one text frame; the raw {@code /websocket} sends each message as one
 * text frame with no SockJS framing (no {@code o}, no {@code h}, the close frame as a WebSocket close
 * frame). Netty's WebSocket codec frames the bytes (RFC 6455, section 5).
 */
final class WebSocketReceiver implements Receiver {
    private final Channel channel;
    private final boolean raw;
    private boolean closed;

    /** @param raw whether this is the raw {@code /websocket} endpoint */
    WebSocketReceiver(Channel channel, boolean raw) {
        this.channel = channel;
        this.raw = raw;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public ChannelFuture frame(ByteBuf body) {
        if (closed) {
            body.release();
            return channel.newSucceededFuture();
        }
        if (!raw) {
            return channel.writeAndFlush(new TextWebSocketFrame(body));
        }
        byte kind = body.getByte(body.readerIndex());
        if (kind != 'a') {
            body.release(); // o, h: not sent raw; c: sent by close() as a close frame
            return channel.newSucceededFuture();
        }
        byte[] bytes = new byte[body.readableBytes() - 1];
        body.getBytes(body.readerIndex() + 1, bytes);
        body.release();
        List<String> messages = SockJsJson.messages(bytes, false);
        ChannelFuture last = channel.newSucceededFuture();
        for (String m : messages) {
            last = channel.write(new TextWebSocketFrame(m));
        }
        channel.flush();
        return last;
    }

    @Override
    public boolean full() {
        return false;
    }

    @Override
    public void end() {
        close(1000, "Normal closure");
    }

    @Override
    public void close(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        closeHandshake(channel, code, reason);
    }

    /**
     * Starts the closing handshake (RFC 6455, section 7.1.2): the close frame with {@code code} (a
     * SockJS code that is no WebSocket close code, such as 2010, is sent as 1000) and {@code reason},
     * then the connection closes when the client's close frame comes back
     * ({@link SockJsWebSocketHandler}, without a second close frame) or after {@link #CLOSE_WAIT_MS} at the latest. Closing at once could reset the
     * connection under the client's reply and lose the close frame.
     */
    static void closeHandshake(Channel channel, int code, String reason) {
        boolean valid = (code >= 1000 && code <= 1011 && code != 1004 && code != 1005 && code != 1006)
                || (code >= 3000 && code <= 4999);
        byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        channel.attr(CLOSE_SENT).set(Boolean.TRUE);
        channel.writeAndFlush(new CloseWebSocketFrame(valid ? code : 1000, utf8.length <= 123 ? reason : ""));
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** Set on a connection once its close frame was sent. */
    static final AttributeKey<Boolean> CLOSE_SENT = AttributeKey.valueOf("herald.sockjs.close-sent");

    /** How long a closing WebSocket waits for the client's close frame. */
    static final long CLOSE_WAIT_MS = 1000;
}
