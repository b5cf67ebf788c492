package io.herald.server.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Netty HTTP/2 client for tests that need the frames themselves: the server's SETTINGS and
 * GOAWAY, each response's HEADERS as sent, resets, and a stream that stops reading (no
 * {@code WINDOW_UPDATE}). Connects over TLS (ALPN {@code h2}, trusting the test certificate) or in
 * cleartext with prior knowledge (h2c). One event-loop thread of its own; {@link #close()} ends it.
 */
public final class Http2TestClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Http2FrameCodec codec;
    /** The server's SETTINGS (the first frame it sends). */
    public final CompletableFuture<Http2Settings> settings = new CompletableFuture<>();
    /** The server's GOAWAY, when it sends one. */
    public final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
    private final List<Http2StreamChannel> stalled = new CopyOnWriteArrayList<>();

    private Http2TestClient(TestServer server, boolean tls, int connectionWindow) throws Exception {
        SslContext ssl = !tls ? null : SslContextBuilder.forClient()
                .trustManager(server.certificate().certificate())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        codec = Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings()).build();
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "127.0.0.1", server.port()));
                        }
                        ch.pipeline().addLast(codec, new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                new ConnectionFrames());
                    }
                }).connect("127.0.0.1", server.port()).sync().channel();
        if (ssl != null) {
            SslHandler handler = channel.pipeline().get(SslHandler.class);
            handler.handshakeFuture().get(5, TimeUnit.SECONDS);
            if (!ApplicationProtocolNames.HTTP_2.equals(handler.applicationProtocol())) {
                throw new AssertionError("ALPN chose " + handler.applicationProtocol() + ", not h2");
            }
        }
        if (connectionWindow > 0) {
            channel.eventLoop().submit(() -> {
                codec.connection().local().flowController()
                        .incrementWindowSize(codec.connection().connectionStream(), connectionWindow);
                return null;
            }).get(5, TimeUnit.SECONDS);
            channel.flush();
        }
    }

    /** Connects over TLS, ALPN {@code h2}, to a server started with {@link TestServer#startTls}. */
    public static Http2TestClient tls(TestServer server) throws Exception {
        return new Http2TestClient(server, true, 0);
    }

    /**
     * Connects over TLS and raises the connection's flow-control window by {@code extra} bytes (as
     * browsers do), so that one stream that stops reading does not hold the others back.
     */
    public static Http2TestClient tls(TestServer server, int extra) throws Exception {
        return new Http2TestClient(server, true, extra);
    }

    /** Connects in cleartext and starts HTTP/2 with prior knowledge (h2c). */
    public static Http2TestClient priorKnowledge(TestServer server) throws Exception {
        return new Http2TestClient(server, false, 0);
    }

    /** The connection. */
    public Channel channel() {
        return channel;
    }

    /** {@code GET path} on a new stream, ended with the HEADERS frame. */
    public Stream get(String path) throws Exception {
        return request(headers("GET", path), true, true);
    }

    /**
     * Sends {@code headers} on a new stream.
     *
     * @param endStream whether the HEADERS frame ends the request
     * @param read      whether the stream reads (and so returns flow-control credit); false: a
     *                  stream that stalls after its HEADERS
     */
    public Stream request(Http2Headers headers, boolean endStream, boolean read) throws Exception {
        Stream stream = new Stream();
        Http2StreamChannel ch = new Http2StreamChannelBootstrap(channel).handler(stream)
                .option(ChannelOption.AUTO_READ, read).open().get(5, TimeUnit.SECONDS);
        stream.channel = ch;
        if (!read) {
            stalled.add(ch);
        }
        ch.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream)).sync();
        return stream;
    }

    /** The headers of a request of {@code method} for {@code path} on this server. */
    public Http2Headers headers(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).scheme(channel.pipeline().get(SslHandler.class) != null
                ? "https" : "http").authority("127.0.0.1");
    }

    /** Closes the connection and stops the client's thread. Idempotent. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        // What stalled streams hold unread is read (and released) now.
        channel.eventLoop().submit(() -> stalled.forEach(ch -> ch.config().setAutoRead(true))).syncUninterruptibly();
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        goAway.thenAccept(ReferenceCountUtil::release);
    }

    /** Records the server's connection-level frames. */
    private final class ConnectionFrames extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame s) {
                settings.complete(s.settings());
            } else if (msg instanceof Http2GoAwayFrame g) {
                if (!goAway.complete(g.retain())) {
                    g.release();
                }
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One stream: what the server sent on it, in order. */
    public static final class Stream extends SimpleChannelInboundHandler<Http2StreamFrame> {
        /** The response HEADERS frames (a response's head, then trailers if any). */
        public final BlockingQueue<Http2Headers> headers = new LinkedBlockingQueue<>();
        /** The DATA, as UTF-8 text per frame. */
        public final BlockingQueue<String> data = new LinkedBlockingQueue<>();
        /** Completes with the reset's error code when the server resets the stream. */
        public final CompletableFuture<Long> reset = new CompletableFuture<>();
        /** Completes when the server ended the stream (END_STREAM) or it closed. */
        public final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile Http2StreamChannel channel;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame h) {
                headers.add(h.headers());
                if (h.isEndStream()) {
                    ended.complete(null);
                }
            } else if (frame instanceof Http2DataFrame d) {
                ByteBuf content = d.content();
                data.add(content.toString(StandardCharsets.UTF_8));
                if (d.isEndStream()) {
                    ended.complete(null);
                }
            } else if (frame instanceof Http2ResetFrame r) {
                reset.complete(r.errorCode());
            }
        }

        /** A reset arrives as an event even on a stream that does not read. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                reset.complete(r.errorCode());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended.complete(null);
            ctx.fireChannelInactive();
        }

        /** The stream's channel (close it to reset the stream). */
        public Http2StreamChannel channel() {
            return channel;
        }

        /** The response head, waiting up to {@code timeout}. */
        public Http2Headers head(Duration timeout) throws InterruptedException {
            Http2Headers h = headers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (h == null) {
                throw new AssertionError("no response HEADERS within " + timeout);
            }
            return h;
        }

        /** The DATA received until {@code text} appears in it, waiting up to {@code timeout} in all. */
        public String readUntil(String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            StringBuilder all = new StringBuilder();
            while (!all.toString().contains(text)) {
                String next = data.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new AssertionError("no " + text + " within " + timeout + "; got: " + all);
                }
                all.append(next);
            }
            return all.toString();
        }
    }
}
