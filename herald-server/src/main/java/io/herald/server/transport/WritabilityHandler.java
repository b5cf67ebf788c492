package io.herald.server.transport;

import io.herald.core.Disconnect;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Forwards a connection's writability changes to its {@link ChannelTransport}, so the session's
 * drain resumes when the client reads again, and cuts a session whose connection stays unwritable
 * (the client stopped reading) for longer than the stall timeout with {@link Disconnect#SLOW}, even
 * when nothing new is published to fill its queue. Shared by every connection; state lives in a
 * channel attribute; runs on each connection's event loop.
 *
 * <p>Wire contract: docs/protocol.md, "Backpressure".
 */
@Sharable
public final class WritabilityHandler extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<ScheduledFuture<?>> STALL = AttributeKey.valueOf("herald.stall");

    private final long stallMillis;

    /** @param stallTimeout how long a connection may stay unwritable before its session is cut */
    public WritabilityHandler(Duration stallTimeout) {
        this.stallMillis = stallTimeout.toMillis();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        ChannelTransport transport = channel.attr(ChannelTransport.KEY).get();
        ScheduledFuture<?> stall = channel.attr(STALL).get();
        if (channel.isWritable()) {
            if (stall != null) {
                stall.cancel(false);
                channel.attr(STALL).set(null);
            }
        } else if (stall == null && transport != null) {
            channel.attr(STALL).set(ctx.executor().schedule(() -> {
                channel.attr(STALL).set(null);
                ChannelTransport current = channel.attr(ChannelTransport.KEY).get();
                if (!channel.isWritable() && current != null && current.session() != null) {
                    current.session().disconnect(Disconnect.SLOW);
                }
            }, stallMillis, TimeUnit.MILLISECONDS));
        }
        if (transport != null) {
            transport.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
