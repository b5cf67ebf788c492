package io.herald.server.transport;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Push;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The common part of every server transport: a core {@link Transport} over one Netty connection.
 *
 * <p>It runs the session's drain on the connection's event loop, reports writability (so a client
 * that does not read fills its bounded outbound queue, never Netty's buffer), schedules
 * heartbeats, and ends the session when the connection closes. Subclasses encode pushes for their
 * wire format. All methods but {@link #close} run on the event loop.
 */
public abstract class ChannelTransport implements Transport {
    /**
     * How long a goodbye may take to reach the client before the connection is closed anyway: a
     * client that does not read (the usual reason for a {@link Disconnect#SLOW} disconnect) would
     * otherwise hold the connection and its buffers forever.
     */
    public static final long GOODBYE_DEADLINE_MS = 1000;

    /** The transport of a connection, for {@link WritabilityHandler}. */
    public static final AttributeKey<ChannelTransport> KEY = AttributeKey.valueOf("herald.transport");

    protected final Channel channel;
    private Session session;
    private ScheduledFuture<?> heartbeat;
    private final ChannelFutureListener closeListener = f -> ended();
    private boolean closing;
    private ChannelHandlerContext flushContext;

    protected ChannelTransport(Channel channel) {
        this.channel = channel;
    }

    /**
     * Binds the session: from now on the connection's close ends it. Call once, on the event loop,
     * before subscribing.
     */
    public void attach(Session session) {
        this.session = session;
        channel.attr(KEY).set(this);
        channel.closeFuture().addListener(closeListener);
    }

    /** The session, or null before {@link #attach}. */
    public Session session() {
        return session;
    }

    /** Starts writing {@link #writeHeartbeat()} every {@code interval} while the connection is idle-writable. */
    protected void startHeartbeat(Duration interval) {
        long ms = interval.toMillis();
        heartbeat = channel.eventLoop().scheduleAtFixedRate(() -> {
            if (channel.isActive() && channel.isWritable() && !closing) {
                writeHeartbeat();
                channel.flush();
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public Executor executor() {
        return channel.eventLoop();
    }

    @Override
    public boolean writable() {
        return channel.isWritable() && !closing;
    }

    @Override
    public final void write(Push push) {
        if (push instanceof Publication p) {
            writePublication(p);
        } else if (push instanceof Subscribed s) {
            writeSubscribed(s);
        }
    }

    /**
     * Runs a coalesced drain on the event loop within {@code delayNanos}, batched with the other
     * connections of the loop (one timer per event loop, see {@link Coalescer}).
     */
    @Override
    public void executeCoalesced(Runnable task, long delayNanos) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            Coalescer.of(loop).add(task, delayNanos);
        } else {
            loop.execute(() -> Coalescer.of(loop).add(task, delayNanos));
        }
    }

    /** The start of the coalesced batch this drain runs in, else the clock; on the event loop. */
    @Override
    public long clockNanos() {
        return Coalescer.of(channel.eventLoop()).clockNanos();
    }

    /**
     * Flushes from the front of the pipeline, past {@link FlushConsolidationHandler}: that handler
     * defers a flush made outside a read to a task of its own, which for a drain (always outside
     * a read of this connection, and already one flush per batch) only costs a task.
     */
    @Override
    public void flush() {
        ChannelHandlerContext front = front();
        if (front != null) {
            front.flush();
        } else {
            channel.flush();
        }
    }

    /** The context of the first handler ({@link FlushConsolidationHandler}), or null without one. */
    protected final ChannelHandlerContext front() {
        ChannelHandlerContext front = flushContext;
        if (front == null || front.isRemoved()) {
            front = channel.pipeline().context(FlushConsolidationHandler.class);
            flushContext = front;
        }
        return front;
    }

    /**
     * Writes bytes that are already in their final wire form from {@code from}, i.e. through only
     * the handlers between it and the socket; or through the whole pipeline when {@code from} is
     * null or gone. For pushes the drain writes many of: every handler passed costs a call on a
     * context that, with thousands of connections, is rarely in the CPU cache.
     */
    protected final void writeFrom(ChannelHandlerContext from, ByteBuf wireBytes) {
        if (from != null && !from.isRemoved()) {
            from.write(wireBytes, channel.voidPromise());
        } else {
            channel.write(wireBytes, channel.voidPromise());
        }
    }

    /** Called by {@link WritabilityHandler} on the event loop. */
    void writabilityChanged() {
        if (session != null && channel.isWritable()) {
            session.onWritable();
        }
    }

    @Override
    public void close(Disconnect reason) {
        channel.eventLoop().execute(() -> {
            if (closing) {
                return;
            }
            closing = true;
            if (channel.isActive()) {
                writeGoodbye(reason);
                channel.eventLoop().schedule(() -> {
                    if (session != null && !session.isClosed() && channel.isActive()) {
                        channel.close();
                    }
                }, GOODBYE_DEADLINE_MS, TimeUnit.MILLISECONDS);
            } else {
                ended();
            }
        });
    }

    /** Whether {@link #close} has begun. */
    protected boolean closing() {
        return closing;
    }

    /**
     * Ends the session of this transport without closing the connection (long polling answers and
     * keeps the connection for the next request). Idempotent; on the event loop.
     */
    protected void ended() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
        channel.closeFuture().removeListener(closeListener);
        if (channel.attr(KEY).get() == this) {
            channel.attr(KEY).set(null);
        }
        if (session != null) {
            session.onClosed();
        }
    }

    /** Encodes and writes one publication, without flushing. */
    protected abstract void writePublication(Publication publication);

    /** Writes the subscribe notice; most transports write something only when it is a reset. */
    protected abstract void writeSubscribed(Subscribed notice);

    /** Writes a heartbeat, without flushing. */
    protected abstract void writeHeartbeat();

    /**
     * Tells the client why the server ends the stream and whether to reconnect, then ends the
     * response or connection. Runs once, on the event loop, while the connection is open.
     */
    protected abstract void writeGoodbye(Disconnect reason);
}
