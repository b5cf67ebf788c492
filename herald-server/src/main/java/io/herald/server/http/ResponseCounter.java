package io.herald.server.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Counts the HTTP responses a listener writes, by status: Herald's own (whole responses, the heads
 * of streams) and those Netty writes for it (101 Switching Protocols, 426, the 413 of
 * {@code Expect: 100-continue}). It sits just past the HTTP codec on the application side, so it
 * sees each response head once; bytes framed once per publication are written past the codec and
 * never reach it. The {@code herald_http_responses_total{status}} metric (docs/protocol.md,
 * "Metrics") reads it.
 *
 * <p>A status's count is created the first time it is written and announced to the
 * {@link #onNew} listeners. Shared by every connection of a listener; thread-safe.
 */
@Sharable
public final class ResponseCounter extends ChannelOutboundHandlerAdapter {
    private static final int MAX_STATUS = 599;

    private final AtomicReferenceArray<LongAdder> byStatus = new AtomicReferenceArray<>(MAX_STATUS + 1);
    private final List<IntConsumer> listeners = new ArrayList<>();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            increment(response.status().code());
        }
        ctx.write(msg, promise);
    }

    private void increment(int status) {
        if (status < 100 || status > MAX_STATUS) {
            return;
        }
        LongAdder n = byStatus.get(status);
        (n != null ? n : create(status)).increment();
    }

    private synchronized LongAdder create(int status) {
        LongAdder n = byStatus.get(status);
        if (n == null) {
            n = new LongAdder();
            byStatus.set(status, n);
            for (IntConsumer listener : listeners) {
                listener.accept(status);
            }
        }
        return n;
    }

    /**
     * Calls {@code listener} with every status counted so far and, from now on, with each status
     * the first time it is written, under this object's lock (none missed, none twice).
     */
    public synchronized void onNew(IntConsumer listener) {
        listeners.add(listener);
        for (int status = 0; status <= MAX_STATUS; status++) {
            if (byStatus.get(status) != null) {
                listener.accept(status);
            }
        }
    }

    /** Responses written with {@code status} since the listener started. */
    public long count(int status) {
        LongAdder n = status < 0 || status > MAX_STATUS ? null : byStatus.get(status);
        return n == null ? 0 : n.sum();
    }
}
