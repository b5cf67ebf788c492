package io.herald.server.http;

import io.herald.server.edge.Edge;
import io.herald.server.tls.ServerTls;
import io.herald.server.transport.WritabilityHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pipeline recipe of every connection:
 * <pre>
 * flush       FlushConsolidationHandler   coalesces flushes while a read burst is handled
 * connections ConnectionCounter           (shared) counts open connections and the bytes written
 * idle        IdleConnectionHandler       closes silent connections; WebSocket without pongs: 4002
 * edge        ConnectionGuard             per-address connection limits; the request head deadline (slowloris)
 * tls         SslHandler                  with TLS: TLS 1.3 and 1.2 ({@link ServerTls})
 * alpn        (ALPN)                      with TLS, until the handshake ends: picks HTTP/2 or HTTP/1.1 (RFC 7301)
 * h2c         (prior knowledge)           cleartext with h2c, until the first bytes: HTTP/2 when they are its preface
 *
 * then, for HTTP/1.1:
 * access-bytes AccessLog.Counter          counts the bytes written, for the access log (only with the access log on)
 * http        HttpServerCodec             HTTP/1.1 parsing and chunked encoding (RFC 9112)
 * access      AccessLog                   one log line per ended exchange (only with the access log on)
 * responses   ResponseCounter             (shared, optional) counts responses by status
 * guard       RequestGuard                431, 429 (per address), 403 origin_not_allowed, 408 (slow body);
 *                                         CORS and security headers on every response
 * writability WritabilityHandler          (shared) resumes a session's drain when the socket drains;
 *                                         cuts a session whose socket stays full past the stall timeout
 * body        BodyAggregator              whole requests; 413 over the payload limit; removed on WebSocket upgrade
 * router      Router                      (shared) dispatches to the routes
 *
 * or, for HTTP/2 (RFC 9113):
 * h2          Http2FrameCodec             frames, HPACK, flow control, SETTINGS; rapid-reset guard
 * h2-streams  Http2MultiplexHandler       one child channel per stream, each with:
 *               access-bytes, h2-http (Http2StreamFrameToHttpObjectCodec: stream frames as HTTP/1.1
 *               objects, and back), access, responses, guard, writability, body, router: the same as
 *               HTTP/1.1's, per stream (the access log's bytes are the DATA frames' payload)
 * h2-errors   ConnectionErrors            (shared) logs and closes on a connection-level failure
 * </pre>
 * Streaming responses are written through the same codec; the aggregator only affects request
 * bodies, which only {@code POST /pub} has. WebSocket routes add their handlers after the router
 * and the handshake replaces the HTTP codec with frame codecs (HTTP/1.1 only: WebSocket over
 * HTTP/2 is not offered). On an HTTP/2 stream every route and transport runs unchanged; the stream
 * channel's writability follows HTTP/2 flow control, and no chunk is pre-framed (there is no
 * {@link HttpServerCodec}: {@link io.herald.server.transport.FramedWrites#at} finds none). The wire
 * differences are docs/protocol.md's "TLS and HTTP/2".
 */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger log = LoggerFactory.getLogger(HttpInitializer.class);

    /** Streams a client may open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
    public static final int MAX_CONCURRENT_STREAMS = 256;
    /**
     * The rapid-reset guard (CVE-2023-44487): a client that resets more than this many streams
     * ({@code RST_STREAM}) within {@link #RST_WINDOW_SECONDS} gets {@code GOAWAY ENHANCE_YOUR_CALM}
     * and the connection is closed.
     */
    public static final int MAX_RST_FRAMES = 200;
    /** The window of {@link #MAX_RST_FRAMES}, in seconds. */
    public static final int RST_WINDOW_SECONDS = 30;
    /** The HTTP/2 connection preface a client starts with (RFC 9113, section 3.4). */
    private static final byte[] PREFACE;

    static {
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        PREFACE = ByteBufUtil.getBytes(preface);
        preface.release();
    }

    private final ConnectionCounter connections;
    private final ResponseCounter responses;
    private final boolean accessLog;
    private final Router router;
    private final int maxBodyBytes;
    private final Duration idleTimeout;
    private final WritabilityHandler writability;
    private final ServerTls tls;
    private final boolean h2c;
    private final long goAwayMillis;
    private final StreamInitializer streams = new StreamInitializer();
    private final Edge edge;

    /**
     * A cleartext HTTP/1.1 pipeline (the admin listener's).
     *
     * @param connections  the shared connection counter
     * @param responses    the shared response counter, or null to count none
     * @param router       the shared router
     * @param maxBodyBytes the largest request body, in bytes
     * @param idleTimeout  how long a connection may send nothing (see {@link IdleConnectionHandler})
     * @param stallTimeout how long a connection may stay unwritable (see {@link WritabilityHandler})
     * @param accessLog    whether each ended exchange is logged ({@link AccessLog})
     * @param edge         the origin check, CORS and security headers, per-address limits and request deadlines
     */
    public HttpInitializer(ConnectionCounter connections, ResponseCounter responses, Router router, int maxBodyBytes,
                           Duration idleTimeout, Duration stallTimeout, boolean accessLog, Edge edge) {
        this(connections, responses, router, maxBodyBytes, idleTimeout, stallTimeout, accessLog, null, false,
                Duration.ofSeconds(5), edge);
    }

    /**
     * The pipeline of the server's configuration.
     *
     * @param connections  the shared connection counter
     * @param responses    the shared response counter, or null to count none
     * @param router       the shared router
     * @param maxBodyBytes the largest request body, in bytes
     * @param idleTimeout  how long a connection may send nothing (see {@link IdleConnectionHandler})
     * @param stallTimeout how long a connection may stay unwritable (see {@link WritabilityHandler})
     * @param accessLog    whether each ended exchange is logged ({@link AccessLog})
     * @param tls          the TLS context (its ALPN offers {@code h2} or not), or null for cleartext
     * @param h2c          on cleartext, whether a connection that starts with the HTTP/2 preface speaks HTTP/2
     * @param goAway       how long an HTTP/2 connection being closed waits for its open streams
     *                     after its {@code GOAWAY}
     * @param edge         the origin check, CORS and security headers, per-address limits and request deadlines
     */
    public HttpInitializer(ConnectionCounter connections, ResponseCounter responses, Router router, int maxBodyBytes,
                           Duration idleTimeout, Duration stallTimeout, boolean accessLog, ServerTls tls, boolean h2c,
                           Duration goAway, Edge edge) {
        this.connections = connections;
        this.responses = responses;
        this.accessLog = accessLog;
        this.router = router;
        this.maxBodyBytes = maxBodyBytes;
        this.idleTimeout = idleTimeout;
        this.writability = new WritabilityHandler(stallTimeout);
        this.tls = tls;
        this.h2c = h2c;
        this.goAwayMillis = goAway.toMillis();
        this.edge = edge;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("flush", new FlushConsolidationHandler(256, true));
        p.addLast("connections", connections);
        p.addLast("idle", new IdleConnectionHandler(idleTimeout));
        p.addLast("edge", edge.newConnectionGuard());
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
            p.addLast("alpn", new Alpn());
        } else if (h2c) {
            p.addLast("h2c", new PriorKnowledge());
        } else {
            http1(p);
        }
    }

    private void http1(ChannelPipeline p) {
        p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        perRequest(p, "http");
    }

    /** What follows the HTTP codec {@code codec}, on a connection or an HTTP/2 stream alike. */
    private void perRequest(ChannelPipeline p, String codec) {
        if (accessLog) {
            AccessLog.addAround(p, codec);
        }
        if (responses != null) {
            p.addLast("responses", responses);
        }
        p.addLast("guard", edge.newRequestGuard());
        p.addLast("writability", writability);
        p.addLast("body", new BodyAggregator(maxBodyBytes));
        p.addLast("router", router);
    }

    private void http2(ChannelPipeline p) {
        p.addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .gracefulShutdownTimeoutMillis(goAwayMillis)
                .validateHeaders(true)
                .build());
        p.addLast("h2-streams", new Http2MultiplexHandler(streams));
        p.addLast("h2-errors", ConnectionErrors.INSTANCE);
    }

    /** The pipeline of each HTTP/2 stream: HTTP objects, then the same handlers as HTTP/1.1's after its codec. */
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        protected void initChannel(Http2StreamChannel ch) {
            // The stream's writability follows its flow-control window and the connection's buffer,
            // with the same bounds as a connection's (HeraldServer's write-buffer water marks).
            ch.config().setWriteBufferWaterMark(ch.parent().config().getWriteBufferWaterMark());
            IdleConnectionHandler.stream(ch);
            ChannelPipeline p = ch.pipeline();
            p.addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true));
            perRequest(p, "h2-http");
        }
    }

    /** After the TLS handshake, the protocol ALPN chose (HTTP/1.1 when the client offered none). */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        Alpn() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline());
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http1(ctx.pipeline());
            } else {
                ctx.close();
            }
        }

        /** A failed handshake (plain HTTP on the TLS port, a scanner, an old client): closed, logged at debug. */
        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        /** TLS failures are {@link #handshakeFailure}s; anything else before a protocol is chosen (a reset): {@link ConnectionErrors}. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
                super.exceptionCaught(ctx, cause);
            } else {
                ConnectionErrors.caught(ctx, cause);
            }
        }
    }

    /**
     * Cleartext with h2c: HTTP/2 when the connection starts with the HTTP/2 preface (prior
     * knowledge, RFC 9113 section 3.3), else HTTP/1.1. The deprecated {@code Upgrade: h2c} is not
     * offered. Compares the first bytes with Netty's preface, then hands them on to the codec chosen.
     */
    private final class PriorKnowledge extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.length);
            boolean prefix = true;
            for (int i = 0; i < n && prefix; i++) {
                prefix = in.getByte(in.readerIndex() + i) == PREFACE[i];
            }
            if (prefix && n < PREFACE.length) {
                return; // not enough yet to tell
            }
            if (prefix) {
                http2(ctx.pipeline());
            } else {
                http1(ctx.pipeline());
            }
            ctx.pipeline().remove(this); // hands the bytes read so far to the codec just added
        }

        /** Before a protocol is chosen, nothing after this handles failures (a reset): {@link ConnectionErrors}. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ConnectionErrors.caught(ctx, cause);
        }
    }
}
