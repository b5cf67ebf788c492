package io.herald.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Runs Netty's own encoders once per publication, so that the framing bytes shared by every
 * subscriber are the ones Netty's codecs would have written for each: the HTTP/1.1 chunk of
 * {@link HttpResponseEncoder} (RFC 9112, section 7.1) and the unmasked server frame of
 * {@link WebSocket08FrameEncoder} (RFC 6455, section 5.2). Herald writes no framing by hand.
 *
 * <p>Each thread keeps one {@link EmbeddedChannel} per encoder (encoders are stateful and not
 * thread-safe); the HTTP one is primed with a chunked response head and never ended, so it stays in
 * its chunked state. Outputs are copied into one array and the encoders' buffers released.
 */
final class NettyFraming {
    private static final ThreadLocal<EmbeddedChannel> HTTP = ThreadLocal.withInitial(() -> {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeOutbound(head);
        drain(ch);
        return ch;
    });
    private static final ThreadLocal<EmbeddedChannel> WEBSOCKET =
            ThreadLocal.withInitial(() -> new EmbeddedChannel(new WebSocket08FrameEncoder(false)));

    private NettyFraming() {
    }

    /** The bytes of one HTTP chunk holding {@code content}, as Netty's HTTP encoder writes it. */
    static byte[] chunk(ByteBuf content) {
        EmbeddedChannel ch = HTTP.get();
        ch.writeOutbound(new DefaultHttpContent(content));
        return drain(ch);
    }

    /** The bytes of {@code frame} as Netty's server-side WebSocket encoder writes it; the frame is released. */
    static byte[] frame(WebSocketFrame frame) {
        EmbeddedChannel ch = WEBSOCKET.get();
        ch.writeOutbound(frame);
        return drain(ch);
    }

    private static byte[] drain(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        try {
            for (Object out; (out = ch.readOutbound()) != null; ) {
                ByteBuf buf = (ByteBuf) out;
                all.writeBytes(buf);
                buf.release();
            }
            byte[] bytes = new byte[all.readableBytes()];
            all.readBytes(bytes);
            return bytes;
        } finally {
            all.release();
        }
    }
}
