package io.herald.server.transport;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Push;
import io.herald.core.presence.PresenceEvent;
import io.herald.core.hub.Session;
import io.herald.core.hub.Subscribed;
import io.herald.core.hub.Transport;
import io.herald.server.http.AccessLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The common part of every server transport: a core {@link Transport} over one Netty connection.
 *
 * <p>It gives the session the connection's event loop (wrapped for coalescing) to run its delivery
 * on, reports writability (so a client that does not read fills its bounded outbound queue, never
 * Netty's buffer), schedules heartbeats, writes the goodbye and ends the session when the connection
 * closes. Subclasses encode pushes for their wire format; those that write pre-framed bytes do it
 * through {@link #framedWrites()}. All methods but {@link #close} run on the event loop.
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
    private final LoopCoalescer executor;
    private FramedWrites framed;
    private Session session;
    private ScheduledFuture<?> heartbeat;
    /** The one pending {@link #deadline}: a connect timeout or a token's expiry; null when none. */
    private ScheduledFuture<?> deadline;
    private final ChannelFutureListener closeListener = f -> ended();
    private boolean closing;
    /** What {@link #close} was first called with: the server's reason for ending the session, for the access log. */
    private Disconnect closeReason;
    private boolean endReported;

    protected ChannelTransport(Channel channel) {
        this.channel = channel;
        this.executor = LoopCoalescer.of(channel.eventLoop());
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

    /**
     * Whether the client can send nothing over the connection after its request (all but WebSocket):
     * such a connection is not closed for sending nothing ({@link io.herald.server.http.IdleConnectionHandler}).
     */
    public abstract boolean unidirectional();

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

    /**
     * Ends the session with {@code reason} once {@code delay} has passed, unless the deadline is
     * replaced by another call or cancelled ({@link #cancelDeadline}) before; at most one deadline is
     * pending (the WebSocket protocol's connect timeout, then its token's expiry, then a refreshed
     * expiry). A negative delay fires at once. The session's end cancels it. On the event loop.
     *
     * <p>Model: docs/protocol.md, "Disconnect codes" (4004 token expired, 4408 no connect in time).
     *
     * @param delay  how long from now
     * @param reason the disconnect the session ends with, e.g. {@link Disconnect#TOKEN_EXPIRED}
     */
    protected final void deadline(Duration delay, Disconnect reason) {
        cancelDeadline();
        deadline = channel.eventLoop().schedule(() -> {
            deadline = null;
            if (session != null) {
                if (!session.isClosed()) {
                    session.disconnect(reason);
                }
            } else {
                close(reason);
            }
        }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    /** Cancels the pending {@link #deadline}, if any. On the event loop. */
    protected final void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /**
     * Ends the session with {@link Disconnect#TOKEN_EXPIRED} (4004, reconnect) through the normal
     * goodbye at {@code expiresAt + grace}, replacing a deadline set before; the session ending first
     * cancels it (docs/protocol.md, "Access control": expiry without losing position). Call on the
     * event loop after {@link #attach}.
     *
     * @param expiresAt when the session's credential expires, or null for never (nothing is scheduled)
     * @param grace     how long past it the session may live ({@code auth.expiry-grace})
     */
    protected void expireAt(Instant expiresAt, Duration grace) {
        if (expiresAt == null) {
            cancelDeadline();
            return;
        }
        deadline(Duration.between(Instant.now(), expiresAt.plus(grace)), Disconnect.TOKEN_EXPIRED);
    }

    /**
     * The connection's event loop, wrapped for coalescing ({@link LoopCoalescer}): the same instance
     * for every connection of the loop.
     */
    @Override
    public Executor executor() {
        return executor;
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
        } else if (push instanceof PresenceEvent e) {
            writePresenceEvent(e);
        }
    }

    /**
     * Flushes what the drain wrote: from where {@link #framedWrites} writes when the transport
     * writes pre-framed bytes (past {@link io.netty.handler.flush.FlushConsolidationHandler}, which
     * would defer a flush made outside a read to a task of its own: a drain is always outside a
     * read of this connection and already one flush per batch), else through the whole pipeline.
     */
    @Override
    public void flush() {
        if (framed != null) {
            framed.flush();
        } else {
            channel.flush();
        }
    }

    /**
     * Checks the pipeline for writing bytes framed by {@code codec} past it ({@link FramedWrites#at})
     * and keeps the result for {@link #framedWrites()} and {@link #flush()}. Call on the event loop
     * when the pipeline has its final shape, before the first publication.
     *
     * @throws IllegalStateException naming a handler past which pre-framed bytes cannot be written
     */
    protected final void useFramedWrites(Class<? extends ChannelHandler> codec) {
        framed = FramedWrites.at(channel, codec);
    }

    /** Where pre-framed bytes are written, or null when the codec is not in the pipeline. */
    protected final FramedWrites framedWrites() {
        return framed;
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
            closeReason = reason;
            if (channel.isActive()) {
                writeGoodbye(reason);
                channel.eventLoop().schedule(() -> {
                    if (session != null && !session.isClosed() && channel.isActive()) {
                        abort(channel);
                    }
                }, GOODBYE_DEADLINE_MS, TimeUnit.MILLISECONDS);
            } else {
                ended();
            }
        });
    }

    /**
     * Closes a connection whose client does not take what was written: a TCP connection is closed;
     * an HTTP/2 stream is reset ({@code RST_STREAM CANCEL}, RFC 9113 section 6.4), which also drops
     * what its flow-control window holds back (a plain close of a stream whose request was read
     * sends no reset, and the goodbye would wait there for credit that never comes).
     */
    static void abort(Channel channel) {
        if (channel instanceof Http2StreamChannel) {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL), channel.voidPromise());
        }
        channel.close();
    }

    /** Whether {@link #close} has begun. */
    protected boolean closing() {
        return closing;
    }

    /**
     * Ends the session of this transport without closing the connection (long polling answers and
     * keeps the connection for the next request), and ends the request's line of the access log
     * ({@link AccessLog#transportEnded}) with the transport's name, the reason it was closed with
     * and the bytes written pre-framed. Idempotent; on the event loop.
     */
    protected void ended() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
        cancelDeadline();
        channel.closeFuture().removeListener(closeListener);
        if (channel.attr(KEY).get() == this) {
            channel.attr(KEY).set(null);
        }
        if (session != null) {
            session.onClosed();
        }
        if (!endReported) {
            endReported = true;
            AccessLog.transportEnded(channel, name(), closeReason, framed == null ? 0 : framed.bytesWritten());
        }
    }

    /** Encodes and writes one publication, without flushing. */
    protected abstract void writePublication(Publication publication);

    /** Writes the subscribe notice; most transports write something only when it is a reset. */
    protected abstract void writeSubscribed(Subscribed notice);

    /**
     * Writes a join or leave event, without flushing. Only the WebSocket protocol carries them
     * (docs/protocol.md, "Presence"); the other transports' wire formats are publications only, and
     * they write nothing.
     */
    protected void writePresenceEvent(PresenceEvent event) {
    }

    /** Writes a heartbeat, without flushing. */
    protected abstract void writeHeartbeat();

    /**
     * Tells the client why the server ends the stream and whether to reconnect, then ends the
     * response or connection. Runs once, on the event loop, while the connection is open.
     */
    protected abstract void writeGoodbye(Disconnect reason);
}
