package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Spreads the {@code 4001 insufficient_state} disconnects of a stream lost live (an epoch change or
 * a gap seen by a live subscription, or the broker's {@link io.herald.core.broker.BrokerListener#onStreamLost})
 * over a window: each session is disconnected after a delay drawn uniformly from
 * {@code [0, spread]}, so that after a Redis restart the subscribers of every channel do not all
 * reconnect, and read history, at the same instant (docs/protocol.md, "Disconnect codes", 4001;
 * docs/architecture.md, "Between nodes: the Redis broker's fan-out").
 *
 * <p>One scheduler thread per node (owned by the {@link Hub}, stopped by {@link #close}), no thread
 * per delay. Work is bounded: at most one pending task per session ({@link Session} keeps it and
 * cancels it when it closes, which removes it from the queue), so 10,000 sessions mean at most
 * 10,000 scheduled tasks. A spread of zero disconnects at once, on the caller's thread. Thread-safe.
 */
final class ResetSpread implements AutoCloseable {
    private final long spreadNanos;
    /** Created on first use: a node that never loses a stream starts no thread. Guarded by this. */
    private ScheduledThreadPoolExecutor scheduler;
    private boolean closed;

    /**
     * @param spread the window, {@code >= 0}; zero for at once
     */
    ResetSpread(Duration spread) {
        this.spreadNanos = spread.toNanos();
    }

    /** The window in nanoseconds. */
    long spreadNanos() {
        return spreadNanos;
    }

    /**
     * Disconnects {@code session} with {@link Disconnect#INSUFFICIENT_STATE} after a uniformly random
     * delay in {@code [0, spread]}, unless it closes first; at once when the spread is zero or the
     * scheduler is closed. A session with a reset already pending keeps that one.
     */
    void disconnectLater(Session session) {
        if (spreadNanos == 0 || session.isClosed()) {
            session.disconnect(Disconnect.INSUFFICIENT_STATE);
            return;
        }
        long delay = ThreadLocalRandom.current().nextLong(spreadNanos + 1);
        ScheduledThreadPoolExecutor executor = executor();
        if (executor == null) {
            session.disconnect(Disconnect.INSUFFICIENT_STATE);
            return;
        }
        session.resetPending(() -> executor.schedule(() -> session.disconnect(Disconnect.INSUFFICIENT_STATE),
                delay, TimeUnit.NANOSECONDS));
    }

    /** The resets scheduled and not yet run or cancelled (for tests and metrics). */
    synchronized int pending() {
        return scheduler == null ? 0 : scheduler.getQueue().size();
    }

    private synchronized ScheduledThreadPoolExecutor executor() {
        if (closed) {
            return null;
        }
        if (scheduler == null) {
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "herald-reset-spread");
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
            scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }
        return scheduler;
    }

    /** Stops the scheduler; the resets still pending are dropped (the node is closing its sessions). */
    @Override
    public synchronized void close() {
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** A task kept by its session so that closing the session cancels it. */
    interface Scheduler {
        Future<?> schedule();
    }
}
