package io.herald.server.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection half of the {@link Edge}, next to the socket:
 * <ul>
 *   <li>on accept, counts the connection against its peer's per-address limits ({@link PerIpLimits});
 *       a connection over them is kept only until its first request, which {@link RequestGuard}
 *       answers 429 {@code too_many_requests} with {@code Retry-After} before anything else happens,
 *       and then closed. Connections from trusted proxies are not counted here: their requests are,
 *       by the forwarded client address ({@link RequestGuard});</li>
 *   <li>the request head deadline ({@code limits.request-head-timeout}): from the accept, and on
 *       HTTP/1.1 from the end of each response, the client has that long to send a whole request
 *       head (the TLS handshake included), however it trickles its bytes; else the connection is
 *       closed without an answer (slowloris). On HTTP/2 the first stream's head ends it; idle
 *       connections are then {@link io.herald.server.http.IdleConnectionHandler}'s.</li>
 * </ul>
 * Inbound only, so pre-framed writes never meet it ({@link io.herald.server.transport.FramedWrites}).
 * One per connection; on its event loop.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final AttributeKey<ConnectionGuard> KEY = AttributeKey.valueOf("herald.connection-guard");

    private final Edge edge;
    private Channel channel;
    private InetAddress counted;
    private PerIpLimits.Admission refusal;
    private ScheduledFuture<?> headDeadline;

    ConnectionGuard(Edge edge) {
        this.edge = edge;
    }

    /** The guard of {@code channel}'s connection (an HTTP/2 stream's is its parent's), or null. */
    static ConnectionGuard of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        return connection.hasAttr(KEY) ? connection.attr(KEY).get() : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        InetAddress peer = ClientAddress.peer(channel);
        if (edge.perIp.enabled() && peer != null && !edge.trustedProxies.contains(peer)) {
            PerIpLimits.Admission a = edge.perIp.admit(peer, System.nanoTime());
            if (!a.admitted()) {
                refusal = a;
                log.debug("connection from {} refused: {}", peer, a.refusal());
            } else if (a.tracked()) {
                counted = peer;
            }
        }
        awaitHead();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        headArrived();
        if (counted != null) {
            edge.perIp.release(counted);
            counted = null;
        }
        super.channelInactive(ctx);
    }

    /** Why this connection is refused (over a per-address limit), or null. */
    PerIpLimits.Admission refusal() {
        return refusal;
    }

    /** Starts (again) the time the client has to send a whole request head. On the event loop. */
    void awaitHead() {
        headArrived();
        headDeadline = channel.eventLoop().schedule(() -> {
            if (channel.isActive()) {
                log.debug("connection {}: no whole request head within {} ms; closed", channel.remoteAddress(),
                        TimeUnit.NANOSECONDS.toMillis(edge.headTimeoutNanos));
                channel.close(); // through the whole pipeline: TLS says close_notify, HTTP/2 GOAWAY
            }
        }, edge.headTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** A whole request head arrived: the deadline is off until {@link #awaitHead} starts it again. On the event loop. */
    void headArrived() {
        if (headDeadline != null) {
            headDeadline.cancel(false);
            headDeadline = null;
        }
    }
}
