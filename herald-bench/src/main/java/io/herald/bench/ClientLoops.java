package io.herald.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A group of client event loops (epoll where available, else NIO; the load generator stays on epoll
 * whatever transport the server under test uses, so runs compare) and a {@link Bootstrap}
 * template for it. {@link #close()} stops the loops and waits for them; after it returns, state
 * written on the loops is visible to the caller. Thread-safe.
 */
public final class ClientLoops implements AutoCloseable {
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final boolean epoll;

    /**
     * @param threads        event-loop threads
     * @param name           the thread name prefix
     * @param connectTimeout the TCP connect timeout
     */
    public ClientLoops(int threads, String name, Duration connectTimeout) {
        this.epoll = Epoll.isAvailable();
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        this.group = new MultiThreadIoEventLoopGroup(threads, factory, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    /** A fresh copy of the bootstrap template (group, channel type, options); set a handler on it. */
    public Bootstrap bootstrap() {
        return bootstrap.clone();
    }

    /** The event loops. */
    public EventLoopGroup group() {
        return group;
    }

    /** Whether the native epoll transport is used. */
    public boolean epoll() {
        return epoll;
    }

    /** Stops the loops at once and waits up to 10 s for them to end. Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
