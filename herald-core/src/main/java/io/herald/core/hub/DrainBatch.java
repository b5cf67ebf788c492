package io.herald.core.hub;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What one fan-out leaves to do once it has offered a publication to every subscriber: the drains it
 * started, handed to their executors in chunks of up to {@value #CHUNK} deliveries (one task per
 * chunk instead of one task per session, so that a publication to 10,000 subscribers on one event
 * loop queues 79 tasks, not 10,000), and the pushes it queued, counted into the node's
 * {@link Backlog} once instead of once per subscriber.
 *
 * <p>Drains held for the write delay ({@link Delivery}) are grouped the same way, per executor and
 * delay, and handed over with {@link CoalescingExecutor#executeWithin}.
 *
 * <p>A chunk is submitted as soon as it is full and the rest by {@link #finish()}; the drains run on
 * the executors, never on the fan-out's thread (which may hold the broker's lock on the channel),
 * and a chunk is small enough for the event loop to go on serving I/O between chunks.
 *
 * <p>Not thread-safe: one batch per fan-out, used by the fan-out's thread only. Each delivery is
 * added at most once per batch (only the offer that takes its drain count from 0 adds it).
 */
final class DrainBatch {
    /** Deliveries per task. */
    static final int CHUNK = 128;

    private final Backlog backlog;
    private Executor[] executors = new Executor[2];
    /** Per group: -1 for drains to start at once, else the delay within which held drains run. */
    private long[] delays = new long[2];
    private Chunk[] chunks = new Chunk[2];
    private int groups;
    private long queued;
    private long queuedBytes;

    /** @param backlog the node's backlog, which {@link #finish()} adds the queued pushes to */
    DrainBatch(Backlog backlog) {
        this.backlog = backlog;
    }

    /** Counts one push of {@code size} bytes queued by this fan-out (added to the backlog by {@link #finish()}). */
    void count(int size) {
        queued++;
        queuedBytes += size;
    }

    /** Adds {@code delivery}'s drain to the chunk of its executor. */
    void add(Delivery delivery) {
        add(delivery, 0, -1);
    }

    /**
     * Adds {@code delivery}'s held drain of hold number {@code hold} ({@link Delivery#drainHeld}) to the chunk of its executor
     * run within {@code delayNanos} (0: at once): one {@link CoalescingExecutor#executeWithin} per
     * chunk, not one per session. The delivery's executor is a {@link CoalescingExecutor}.
     */
    void hold(Delivery delivery, int hold, long delayNanos) {
        add(delivery, hold, delayNanos);
    }

    private void add(Delivery delivery, int hold, long delay) {
        Executor executor = delivery.executor();
        int i = 0;
        while (i < groups && (executors[i] != executor || delays[i] != delay)) {
            i++;
        }
        if (i == groups) {
            if (groups == executors.length) {
                executors = Arrays.copyOf(executors, groups * 2);
                delays = Arrays.copyOf(delays, groups * 2);
                chunks = Arrays.copyOf(chunks, groups * 2);
            }
            executors[i] = executor;
            delays[i] = delay;
            groups++;
        }
        Chunk chunk = chunks[i];
        if (chunk == null) {
            chunk = new Chunk(delay >= 0);
            chunks[i] = chunk;
        }
        if (chunk.holds != null) {
            chunk.holds[chunk.size] = hold;
        }
        chunk.deliveries[chunk.size++] = delivery;
        if (chunk.size == CHUNK) {
            chunks[i] = null;
            submit(executor, delay, chunk);
        }
    }

    /** Submits the chunks not yet full and counts the queued pushes. Call once, after the fan-out. */
    void finish() {
        for (int i = 0; i < groups; i++) {
            Chunk chunk = chunks[i];
            if (chunk != null) {
                chunks[i] = null;
                submit(executors[i], delays[i], chunk);
            }
        }
        if (queued != 0) {
            backlog.add(queued, queuedBytes);
            queued = 0;
            queuedBytes = 0;
        }
    }

    private static void submit(Executor executor, long delay, Chunk chunk) {
        try {
            if (delay > 0) {
                ((CoalescingExecutor) executor).executeWithin(chunk, delay);
            } else {
                executor.execute(chunk);
            }
        } catch (RejectedExecutionException e) {
            // the executor is shutting down: its connections are going, as with a single drain
            for (int i = 0; i < chunk.size; i++) {
                chunk.deliveries[i].session().onClosed();
            }
        }
    }

    /** One task: the drains (or held drains) of up to {@value #CHUNK} deliveries of one executor, in the order added. */
    private static final class Chunk implements Runnable {
        final Delivery[] deliveries = new Delivery[CHUNK];
        /** For held drains: each one's hold number; null for drains to start at once. */
        final int[] holds;
        int size;

        Chunk(boolean held) {
            this.holds = held ? new int[CHUNK] : null;
        }

        @Override
        public void run() {
            for (int i = 0; i < size; i++) {
                Delivery delivery = deliveries[i];
                deliveries[i] = null;
                // never throws: a failing connection is disconnected, the others go on
                if (holds != null) {
                    delivery.drainHeld(holds[i]);
                } else {
                    delivery.drain();
                }
            }
        }
    }
}
