package io.herald.server.http;

import io.herald.server.transport.WritabilityHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;

/**
 * The one pipeline recipe of every connection:
 * <pre>
 * flush       FlushConsolidationHandler   coalesces flushes while a read burst is handled
 * connections ConnectionCounter           (shared) counts open connections and the bytes written
 * idle        IdleConnectionHandler       closes silent connections; WebSocket without pongs: 4002
 * access-bytes AccessLog.Counter         counts the bytes written, for the access log (only with the access log on)
 * http        HttpServerCodec             HTTP/1.1 parsing and chunked encoding (RFC 9112)
 * access      AccessLog                   one log line per ended exchange (only with the access log on)
 * responses   ResponseCounter             (shared, optional) counts responses by status
 * writability WritabilityHandler          (shared) resumes a session's drain when the socket drains;
 *                                         cuts a session whose socket stays full past the stall timeout
 * body        BodyAggregator              whole requests; 413 over the payload limit; removed on WebSocket upgrade
 * router      Router                      (shared) dispatches to the routes
 * </pre>
 * Streaming responses are written through the same codec; the aggregator only affects request
 * bodies, which only {@code POST /pub} has. WebSocket routes add their handlers after the router
 * and the handshake replaces the HTTP codec with frame codecs.
 */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {
    private final ConnectionCounter connections;
    private final Router router;
    private final int maxBodyBytes;
    private final Duration idleTimeout;
    private final WritabilityHandler writability;
    private final ResponseCounter responses;
    private final boolean accessLog;

    /**
     * @param connections  the shared connection counter
     * @param responses    the shared response counter, or null to count none (the admin listener)
     * @param router       the shared router
     * @param maxBodyBytes the largest request body, in bytes
     * @param idleTimeout  how long a connection may send nothing (see {@link IdleConnectionHandler})
     * @param stallTimeout how long a connection may stay unwritable (see {@link WritabilityHandler})
     * @param accessLog    whether each ended exchange is logged ({@link AccessLog})
     */
    public HttpInitializer(ConnectionCounter connections, ResponseCounter responses, Router router, int maxBodyBytes,
                           Duration idleTimeout, Duration stallTimeout, boolean accessLog) {
        this.connections = connections;
        this.responses = responses;
        this.router = router;
        this.maxBodyBytes = maxBodyBytes;
        this.idleTimeout = idleTimeout;
        this.writability = new WritabilityHandler(stallTimeout);
        this.accessLog = accessLog;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("flush", new FlushConsolidationHandler(256, true));
        p.addLast("connections", connections);
        p.addLast("idle", new IdleConnectionHandler(idleTimeout));
        p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        if (accessLog) {
            AccessLog.addAround(p, "http");
        }
        if (responses != null) {
            p.addLast("responses", responses);
        }
        p.addLast("writability", writability);
        p.addLast("body", new BodyAggregator(maxBodyBytes));
        p.addLast("router", router);
    }
}
