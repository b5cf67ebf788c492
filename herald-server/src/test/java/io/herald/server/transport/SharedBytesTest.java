package io.herald.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Shared chunks and frames are what Netty's codecs write, and what Netty's decoders read back. */
class SharedBytesTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 125, 126, 1000, 65535, 65536, 70000})
    void chunkIsWhatTheConnectionsCodecWrites(int n) {
        byte[] a = "a".repeat(n).getBytes(StandardCharsets.US_ASCII);
        byte[] b = "\n".getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel codec = new EmbeddedChannel(new HttpResponseEncoder());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        codec.writeOutbound(head);
        release(codec);
        codec.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(a, b)));
        assertThat(ByteBufUtil.getBytes(SharedBytes.chunk(a, b))).isEqualTo(drain(codec));
        codec.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 65535, 65536, 70000})
    void framesDecodeBackToThePayload(int n) {
        byte[] payload = "p".repeat(n).getBytes(StandardCharsets.US_ASCII);
        for (WebSocketFrame frame : new WebSocketFrame[] {
                new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)), new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload))}) {
            boolean text = frame instanceof TextWebSocketFrame;
            ByteBuf shared = SharedBytes.frame(frame);
            EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
            decoder.writeInbound(shared.duplicate().retain());
            WebSocketFrame back = decoder.readInbound();
            assertThat(back).isInstanceOf(text ? TextWebSocketFrame.class : BinaryWebSocketFrame.class);
            assertThat(back.isFinalFragment()).isTrue();
            assertThat(ByteBufUtil.getBytes(back.content())).isEqualTo(payload);
            back.release();
            decoder.finishAndReleaseAll();
        }
    }

    private static byte[] drain(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    private static void release(EmbeddedChannel ch) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }
}
