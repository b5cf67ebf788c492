package io.herald.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One connection to Redis that Herald keeps up itself (Lettuce's auto-reconnect is off, so no
 * command is ever replayed on a new connection): connected on first use, at most one attempt at a
 * time; when the connection is lost or an attempt fails, reconnected in the background with
 * exponential backoff (100 ms to 5 s, with jitter), and {@link #get()} fails at once with the last
 * failed attempt rather than waiting, unless that failure is older than {@value #RETRY_MS} ms, in
 * which case it tries again now. A connection that was lost (rather than an attempt that failed) is
 * no evidence that Redis is down (a killed connection, a restarted Redis already back): the next
 * {@link #get()} tries again at once. Each attempt resolves the address anew, so with a Sentinel
 * address ({@code redis-sentinel://...}) every connection and reconnection goes to the master the
 * Sentinels name at that moment. Thread-safe; no lock is held while connecting.
 *
 * @param <T> what a connection attempt yields (the connection, or the connection and what was read
 *            on it before use)
 */
final class Link<T> {
    /** How long a failed attempt answers for the link before a caller may try again. */
    static final long RETRY_MS = 100;
    private static final long MAX_BACKOFF_MS = 5000;

    private final Supplier<CompletableFuture<T>> connect;
    private final Function<T, StatefulConnection<?, ?>> connectionOf;
    private final Consumer<T> onUp;
    private final ScheduledExecutorService scheduler;
    private CompletableFuture<T> current;
    private long failedAtNanos;
    private int failures;
    private boolean retryScheduled;
    private boolean closed;

    /**
     * @param connect      starts one connection attempt
     * @param connectionOf the connection of an attempt's result
     * @param onUp         called (on a Lettuce thread, without a lock) after each successful attempt
     * @param scheduler    runs the background reconnects
     */
    Link(Supplier<CompletableFuture<T>> connect, Function<T, StatefulConnection<?, ?>> connectionOf, Consumer<T> onUp,
         ScheduledExecutorService scheduler) {
        this.connect = connect;
        this.connectionOf = connectionOf;
        this.onUp = onUp;
        this.scheduler = scheduler;
    }

    /**
     * A link of pub/sub connections to {@code uri} (binary keys and values), each with
     * {@code listener} added before use.
     */
    static Link<StatefulRedisPubSubConnection<byte[], byte[]>> pubSub(RedisClient client, RedisURI uri,
            RedisPubSubListener<byte[], byte[]> listener, Consumer<StatefulRedisPubSubConnection<byte[], byte[]>> onUp,
            ScheduledExecutorService scheduler) {
        return new Link<>(
                () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
                        .thenApply(c -> {
                            c.addListener(listener);
                            return c;
                        }),
                c -> c, onUp, scheduler);
    }

    /** Tells {@code links} of every connection of {@code client} that closes ({@link #lost}). */
    static void reportLosses(RedisClient client, Link<?>... links) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                for (Link<?> link : links) {
                    link.lost(connection);
                }
            }
        });
    }

    /**
     * The connection: the current one when it is open, the attempt in flight, the last failure when
     * it is recent, or a new attempt. Never blocks.
     */
    synchronized CompletableFuture<T> get() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the broker is closed"));
        }
        if (current != null) {
            if (!current.isDone()) {
                return current;
            }
            if (!current.isCompletedExceptionally()) {
                if (connectionOf.apply(current.join()).isOpen()) {
                    return current;
                }
                lostLocked("connection closed");
            }
            if (System.nanoTime() - failedAtNanos < TimeUnit.MILLISECONDS.toNanos(RETRY_MS)) {
                return current;
            }
        }
        return attempt();
    }

    /** Whether a connection is open now. */
    synchronized boolean isUp() {
        return current != null && current.isDone() && !current.isCompletedExceptionally()
                && connectionOf.apply(current.join()).isOpen();
    }

    /** Tells the link that {@code connection} was closed (by Redis, the network or a timeout). */
    synchronized void lost(Object connection) {
        if (!closed && current != null && current.isDone() && !current.isCompletedExceptionally()
                && connectionOf.apply(current.join()) == connection) {
            lostLocked("connection lost");
        }
    }

    /** Stops reconnecting; idempotent. The connection itself closes with the client's shutdown. */
    synchronized void close() {
        closed = true;
    }

    private void lostLocked(String why) {
        StatefulConnection<?, ?> connection = connectionOf.apply(current.join());
        if (connection.isOpen()) {
            connection.closeAsync();
        }
        current = CompletableFuture.failedFuture(new IllegalStateException(why));
        failedAtNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(RETRY_MS); // the next get() tries at once
        scheduleRetry();
    }

    private CompletableFuture<T> attempt() {
        CompletableFuture<T> attempt = connect.get();
        current = attempt;
        attempt.whenComplete((t, error) -> done(attempt, t, error));
        return attempt;
    }

    private void done(CompletableFuture<T> attempt, T t, Throwable error) {
        synchronized (this) {
            if (closed || attempt != current) {
                if (t != null) {
                    connectionOf.apply(t).closeAsync();
                }
                return;
            }
            if (error != null) {
                failedAtNanos = System.nanoTime();
                failures++;
                scheduleRetry();
                return;
            }
            failures = 0;
        }
        onUp.accept(t);
    }

    private void scheduleRetry() {
        if (retryScheduled || closed) {
            return;
        }
        retryScheduled = true;
        long backoff = Math.min(MAX_BACKOFF_MS, RETRY_MS << Math.min(failures, 6));
        long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        scheduler.schedule(this::retry, delay, TimeUnit.MILLISECONDS);
    }

    private synchronized void retry() {
        retryScheduled = false;
        if (!closed && current != null && current.isDone() && current.isCompletedExceptionally()) {
            attempt();
        }
    }
}
