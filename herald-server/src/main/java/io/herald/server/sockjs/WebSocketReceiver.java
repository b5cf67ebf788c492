package io.herald.server.sockjs;

import io.herald.server.transport.FramedWrites;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A WebSocket carrying one SockJS session (docs/protocol.md, "SockJS"): {@code /{server}/{session}/websocket}
 * sends each SockJS frame as one text frame; the raw {@code /websocket} sends each message as one
 * text frame with no SockJS framing (no {@code o}, no {@code h}, the close frame as a WebSocket close
 * frame). Netty's WebSocket codec frames the bytes (RFC 6455, section 5); a publication's message
 * frame alone is written as the whole frame every session shares ({@link #frame(SockJsJson.Shared)}).
 */
final class WebSocketReceiver implements Receiver {
    /** Frames written shared by every session (for tests: that the shared path is taken). */
    static final LongAdder SHARED_FRAMES = new LongAdder();

    private final Channel channel;
    private final boolean raw;
    /** Where shared frames are written past the frame encoder, or null (raw, or no encoder). */
    private final FramedWrites framed;
    private boolean closed;

    /**
     * Call on the connection's event loop once the handshake completed (the pipeline has its final shape).
     *
     * @param raw whether this is the raw {@code /websocket} endpoint
     * @throws IllegalStateException naming a handler past which shared frames cannot be written ({@link FramedWrites#at})
     */
    WebSocketReceiver(Channel channel, boolean raw) {
        this.channel = channel;
        this.raw = raw;
        this.framed = raw ? null : FramedWrites.at(channel, WebSocketFrameEncoder.class);
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

    /**
     * Writes one publication's message frame as the whole WebSocket frame every session shares,
     * past the frame encoder ({@link FramedWrites}), like {@code /ws}; the raw endpoint, a write from
     * another thread or a pipeline without the encoder take {@link #frame(ByteBuf)}.
     */
    @Override
    public ChannelFuture frame(SockJsJson.Shared shared) {
        if (closed || framed == null || !channel.eventLoop().inEventLoop()) {
            return Receiver.super.frame(shared);
        }
        ChannelPromise written = channel.newPromise();
        if (!framed.writeShared(shared.webSocketFrame(), written)) {
            return Receiver.super.frame(shared);
        }
        SHARED_FRAMES.increment(); // before the flush: counted by the time the client has it
        framed.flush();
        return written;
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
