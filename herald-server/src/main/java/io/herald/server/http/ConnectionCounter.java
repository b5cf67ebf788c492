package io.herald.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts and tracks open connections (a metric, the connection limit, the leak check of the
 * tests, and closing idle keep-alive connections on shutdown), and counts the bytes written to
 * them (the {@code herald_sent_bytes_total} metric, docs/protocol.md "Metrics").
 *
 * <p>It sits between the socket and the HTTP codec, so what it sees written is bytes. Bytes framed
 * once per publication are written past it by {@link io.herald.server.transport.FramedWrites},
 * which adds them here itself ({@link #sent(long)}) once per flush. Shared by every connection of
 * a listener; thread-safe.
 */
@Sharable
public final class ConnectionCounter extends ChannelDuplexHandler {
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder sent = new LongAdder();
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

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            sent.add(b.readableBytes());
        } else if (msg instanceof ByteBufHolder h) {
            sent.add(h.content().readableBytes());
        }
        ctx.write(msg, promise);
    }

    /** Counts {@code bytes} written to a connection past this handler. Any thread. */
    public void sent(long bytes) {
        sent.add(bytes);
    }

    /** Bytes written to the connections since the listener started. */
    public long sentBytes() {
        return sent.sum();
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }
}
