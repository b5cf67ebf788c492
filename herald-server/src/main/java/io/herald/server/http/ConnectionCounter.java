package io.herald.server.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts and tracks open connections (a metric, the connection limit, the leak check of the
 * tests, and closing idle keep-alive connections on shutdown). Shared by every connection;
 * thread-safe.
 */
@Sharable
public final class ConnectionCounter extends ChannelInboundHandlerAdapter {
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup("herald-connections", GlobalEventExecutor.INSTANCE);

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        open.incrementAndGet();
        channels.add(ctx.channel());
        ctx.fireChannelActive();
    }

    /** Closes every open connection (the last step of a graceful stop). */
    public ChannelGroupFuture closeAll() {
        return channels.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        ctx.fireChannelInactive();
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }
}
