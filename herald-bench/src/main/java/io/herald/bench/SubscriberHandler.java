package io.herald.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The common part of the subscriber handlers: the "subscribed" signal and disconnect accounting.
 * A subclass calls {@link #subscribed()} once the server has accepted the subscription (status
 * 200, handshake complete, first poll sent) and hands received payloads to {@link #state}.
 * One instance per connection, used on its event loop.
 *
 * @param <I> the inbound message type
 */
abstract class SubscriberHandler<I> extends SimpleChannelInboundHandler<I> {
    private static final Logger log = LoggerFactory.getLogger(SubscriberHandler.class);
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[16 * 1024];
        }
    };

    protected final SubscriberState state;
    protected final Deliveries deliveries;
    private final CompletableFuture<Void> ready;
    private final BooleanSupplier closing;
    private final MicroClock clock;
    /** The time of the current read, or -1 until a message of the read asks for it. */
    private long readMicros = -1;

    /**
     * @param state      this subscriber's accounting
     * @param deliveries the run's shared counters
     * @param ready      completed when subscribed, or exceptionally when that failed
     * @param closing    true once the run closes its connections on purpose
     */
    SubscriberHandler(Class<I> type, SubscriberState state, Deliveries deliveries, CompletableFuture<Void> ready,
                      BooleanSupplier closing) {
        super(type);
        this.state = state;
        this.deliveries = deliveries;
        this.ready = ready;
        this.closing = closing;
        this.clock = deliveries.clock();
    }

    /**
     * When the bytes being handled were read, in {@link MicroClock} microseconds: the clock is
     * read once per socket read (at the first message of it that asks), so every message decoded
     * from one read gets the same receive time.
     */
    protected final long receiveMicros() {
        long t = readMicros;
        if (t < 0) {
            t = clock.nowMicros();
            readMicros = t;
        }
        return t;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        readMicros = -1;
        super.channelReadComplete(ctx);
    }

    /**
     * The readable bytes of {@code buf} (its indexes unchanged) copied into this event loop's
     * scratch array, grown as needed: valid until the next call on this thread. One bulk copy,
     * so parsers scan a plain array instead of paying a checked access per byte.
     */
    protected static byte[] scratchCopy(ByteBuf buf) {
        int length = buf.readableBytes();
        byte[] scratch = SCRATCH.get();
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
            SCRATCH.set(scratch);
        }
        buf.getBytes(buf.readerIndex(), scratch, 0, length);
        return scratch;
    }

    /** Where {@code pattern} first occurs in {@code data[from .. to)}, or -1. */
    static int indexOf(byte[] data, int from, int to, byte[] pattern) {
        outer:
        for (int i = from; i + pattern.length <= to; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Signals that the subscription is in place. */
    protected final void subscribed() {
        ready.complete(null);
    }

    /** Whether the subscription was in place (the server accepted it). */
    protected final boolean subscribedOk() {
        return ready.isDone() && !ready.isCompletedExceptionally();
    }

    /** Whether the run is closing its connections. */
    protected final boolean closing() {
        return closing.getAsBoolean();
    }

    /** Fails the subscription (if not subscribed yet) and closes the connection. */
    protected final void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!ready.completeExceptionally(cause) && !closing()) {
            log.debug("subscriber {} failed: {}", ctx.channel(), cause.toString());
        }
        ctx.close();
    }

    /** Accounts data that arrived as a message: a payload, else a control event or malformed. */
    protected final void onMessage(String type, byte[] data, int offset, int length) {
        if (!state.onPayload(data, offset, length, receiveMicros())) {
            if ("message".equals(type)) {
                deliveries.recordMalformed();
            } else {
                deliveries.recordControlEvent();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!ready.isDone()) {
            ready.completeExceptionally(new IOException("connection closed before the subscription was in place"));
        } else if (!ready.isCompletedExceptionally() && !closing()) {
            deliveries.recordDisconnect();
            log.debug("subscriber {} disconnected by the server", ctx.channel());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }
}
