package io.herald.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.server.http.ConnectionCounter;
import io.herald.server.http.AccessLog;
import io.herald.server.http.IdleConnectionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** Where pre-framed bytes enter a pipeline, and the check that refuses a pipeline they would bypass. */
class FramedWritesTest {

    @Test
    void withOnlyPassThroughHandlersTheBytesGoStraightToTheSocketUnframed() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushConsolidationHandler(256, true),
                new IdleConnectionHandler(Duration.ofMinutes(1)), new ChannelInboundHandlerAdapter(), new HttpServerCodec());
        FramedWrites framed = FramedWrites.at(ch, HttpServerCodec.class);
        assertThat(framed).isNotNull();

        ByteBuf chunk = SharedBytes.of("5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(framed.writeShared(chunk)).isTrue();
        framed.flush();
        // the codec did not frame it again: the bytes reach the socket as they were
        ByteBuf out = ch.readOutbound();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("5\r\nhello\r\n");
        out.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theBytesWrittenAreCountedOnceAtTheConnectionCounterWhetherTheWritesPassItOrNot() throws Exception {
        // Past the counter (no TLS): FramedWrites adds what it wrote, once per flush.
        ConnectionCounter counter = new ConnectionCounter();
        EmbeddedChannel plain = new EmbeddedChannel();
        plain.pipeline().addLast("flush", new FlushConsolidationHandler(256, true)).addLast("connections", counter)
                .addLast("http", new HttpServerCodec());
        FramedWrites framed = FramedWrites.at(plain, HttpServerCodec.class);
        framed.writeShared(SharedBytes.of("5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)));
        framed.writeShared(SharedBytes.of("3\r\nabc\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(counter.sentBytes()).as("counted when flushed").isZero();
        framed.flush();
        assertThat(counter.sentBytes()).isEqualTo(10 + 8);
        // what the codec writes (a heartbeat, the last chunk) passes the counter on its way to the socket
        plain.pipeline().context("http").writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("0\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(counter.sentBytes()).as("what passes the counter, counted there").isEqualTo(10 + 8 + 5);
        plain.finishAndReleaseAll();

        // Through the counter (it sits nearer the socket than TLS, past which the writes start): counted there only.
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        ConnectionCounter outer = new ConnectionCounter();
        EmbeddedChannel tls = new EmbeddedChannel();
        tls.pipeline().addLast("connections", outer).addLast("tls", new SslHandler(engine))
                .addLast("flush", new FlushConsolidationHandler(256, true)).addLast("http", new HttpServerCodec());
        FramedWrites throughTls = FramedWrites.at(tls, HttpServerCodec.class);
        long before = outer.sentBytes();
        throughTls.writeShared(SharedBytes.of("5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)));
        throughTls.flush();
        // The TLS handler holds the bytes until its handshake; its records will pass the counter then.
        // FramedWrites adds nothing itself, or they would count twice.
        assertThat(outer.sentBytes() - before).isZero();
        tls.finishAndReleaseAll();
    }

    @Test
    void aByteStreamTransformerBetweenTheSocketAndTheCodecIsPassedThroughNotSkipped() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("tls", new SslHandler(engine))
                .addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("http", new HttpServerCodec());
        assertThat(FramedWrites.locate(ch.pipeline(), HttpServerCodec.class))
                .as("writes start just past the TLS handler, so it encrypts them")
                .isSameAs(ch.pipeline().context("flush"));
        ch.pipeline().addFirst("front", new FlushConsolidationHandler(256, true));
        assertThat(FramedWrites.locate(ch.pipeline(), HttpServerCodec.class)).isSameAs(ch.pipeline().context("flush"));
        ch.pipeline().remove("flush");
        assertThat(FramedWrites.locate(ch.pipeline(), HttpServerCodec.class))
                .as("the codec itself, when it follows the TLS handler: its context writes to the handler before it")
                .isSameAs(ch.pipeline().context("http"));
        ch.finishAndReleaseAll();
    }

    @Test
    void theAccessLogsByteCounterIsSkippedAndTheBytesAreCountedHere() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true)).addLast("http", new HttpServerCodec());
        AccessLog.addAround(ch.pipeline(), "http");
        assertThat(ch.pipeline().names()).startsWith("flush", "access-bytes", "http", "access");
        FramedWrites framed = FramedWrites.at(ch, HttpServerCodec.class);
        assertThat(FramedWrites.locate(ch.pipeline(), HttpServerCodec.class)).isSameAs(ch.pipeline().firstContext());
        ByteBuf chunk = SharedBytes.of("5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(framed.writeShared(chunk)).isTrue();
        assertThat(framed.writeShared(chunk)).isTrue();
        framed.flush();
        assertThat(framed.bytesWritten()).isEqualTo(20);
        for (int i = 0; i < 2; i++) {
            ByteBuf out = ch.readOutbound();
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("5\r\nhello\r\n");
            out.release();
        }

        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        ch.pipeline().addBefore("access-bytes", "tls", new SslHandler(engine));
        assertThat(FramedWrites.locate(ch.pipeline(), HttpServerCodec.class)).as("TLS on the socket's side of the counter: fine")
                .isSameAs(ch.pipeline().context("access-bytes"));
        ch.pipeline().remove("tls");
        ch.pipeline().addAfter("access-bytes", "tls", new SslHandler(engine));
        assertThatThrownBy(() -> FramedWrites.at(ch, HttpServerCodec.class))
                .as("the counter would count some writes encrypted")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the access log's byte counter 'access-bytes' sits between the socket and TLS handler 'tls'");
        ch.finishAndReleaseAll();
    }

    @Test
    void withNoOtherOutboundHandlerTheWritesStartAtTheFront() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("wsencoder", new WebSocket08FrameEncoder(false));
        assertThat(FramedWrites.locate(ch.pipeline(), WebSocketFrameEncoder.class)).isSameAs(ch.pipeline().firstContext());
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnknownHandlerThatHandlesWritesMakesAttachFailNamingIt() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("compress", new ChannelDuplexHandler())
                .addLast("http", new HttpServerCodec());
        assertThatThrownBy(() -> FramedWrites.at(ch, HttpServerCodec.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handler 'compress' (io.netty.channel.ChannelDuplexHandler)")
                .hasMessageContaining("between the socket and the HttpServerCodec");
        ch.finishAndReleaseAll();
    }

    @Test
    void anOutboundHandlerPastTheCodecDoesNotMatter() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("http", new HttpServerCodec()).addLast("after", new ChannelOutboundHandlerAdapter());
        assertThat(FramedWrites.at(ch, HttpServerCodec.class)).isNotNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void withoutTheCodecThereIsNothingToWritePreFramed() {
        EmbeddedChannel ch = new EmbeddedChannel(new FlushConsolidationHandler(256, true));
        assertThat(FramedWrites.at(ch, HttpServerCodec.class)).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void whenTheCodecLeavesThePipelineWritesAreRefusedSoTheCallerFallsBackToUnframed() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true)).addLast("http", new HttpServerCodec());
        FramedWrites framed = FramedWrites.at(ch, HttpServerCodec.class);
        ch.pipeline().remove("flush");
        ch.pipeline().remove("http");
        assertThat(framed.writeShared(SharedBytes.of(new byte[] {1}))).isFalse();
        ch.finishAndReleaseAll();
    }
}
