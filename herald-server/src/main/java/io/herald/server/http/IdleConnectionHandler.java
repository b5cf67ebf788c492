package io.herald.server.http;

import io.herald.core.Disconnect;
import io.herald.server.transport.ChannelTransport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Ends connections on which the client has sent nothing for a while:
 * <ul>
 *   <li>a connection with no transport (no request yet, or idle between keep-alive requests) is closed;</li>
 *   <li>a WebSocket whose client answered no ping (a browser answers every ping with a pong, RFC 6455
 *       section 5.5.3) is disconnected with {@link Disconnect#STALE};</li>
 *   <li>streaming responses and held long polls are idle on the read side by nature and are left alone:
 *       a vanished client is found by the write side (heartbeats fail, or the queue bound is reached).</li>
 * </ul>
 * On HTTP/2 the same holds per stream ({@link #stream} registers them): a stream without a transport
 * (its request never completed) is reset, streaming ones are left alone, and a connection left
 * with no stream is closed ({@code GOAWAY}). One per connection.
 *
 * <p>Any byte read restarts this timer, so it cannot stop a client that trickles a request head a
 * byte at a time (slowloris): the request head deadline of
 * {@link io.herald.server.edge.ConnectionGuard} does, however the bytes arrive.
 *
 * <p>Wire contract: docs/protocol.md, "Heartbeats and timeouts".
 */
public final class IdleConnectionHandler extends IdleStateHandler {
    /** The open HTTP/2 streams of a connection; used on its event loop only. */
    private static final AttributeKey<Set<Channel>> STREAMS = AttributeKey.valueOf("herald.streams");

    /** @param timeout how long a connection may go without a byte from the client */
    public IdleConnectionHandler(Duration timeout) {
        super(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }

    /** Counts {@code stream} among its connection's open streams until it closes. On the event loop. */
    public static void stream(Http2StreamChannel stream) {
        Channel connection = stream.parent();
        Set<Channel> streams = connection.attr(STREAMS).get();
        if (streams == null) {
            streams = new LinkedHashSet<>();
            connection.attr(STREAMS).set(streams);
        }
        streams.add(stream);
        Set<Channel> open = streams;
        stream.closeFuture().addListener(f -> open.remove(stream));
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() != IdleState.READER_IDLE) {
            return;
        }
        Set<Channel> streams = ctx.channel().attr(STREAMS).get();
        if (streams != null) {
            for (Channel stream : new ArrayList<>(streams)) {
                ChannelTransport transport = stream.attr(ChannelTransport.KEY).get();
                if (transport == null || !transport.unidirectional()) {
                    stream.close();
                }
            }
            if (streams.isEmpty()) {
                ctx.channel().close();
            }
            return;
        }
        ChannelTransport transport = ctx.channel().attr(ChannelTransport.KEY).get();
        if (transport == null) {
            // Through the whole pipeline: TLS sends close_notify, the HTTP/2 codec GOAWAY.
            ctx.channel().close();
        } else if (!transport.unidirectional() && transport.session() != null) {
            transport.session().disconnect(Disconnect.STALE);
        }
    }
}
