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
        Executor executor = delivery.executor();
        int i = 0;
        while (i < groups && executors[i] != executor) {
            i++;
        }
        if (i == groups) {
            if (groups == executors.length) {
                executors = Arrays.copyOf(executors, groups * 2);
                chunks = Arrays.copyOf(chunks, groups * 2);
            }
            executors[i] = executor;
            groups++;
        }
        Chunk chunk = chunks[i];
        if (chunk == null) {
            chunk = new Chunk();
            chunks[i] = chunk;
        }
        chunk.deliveries[chunk.size++] = delivery;
        if (chunk.size == CHUNK) {
            chunks[i] = null;
            submit(executor, chunk);
        }
    }

    /** Submits the chunks not yet full and counts the queued pushes. Call once, after the fan-out. */
    void finish() {
        for (int i = 0; i < groups; i++) {
            Chunk chunk = chunks[i];
            if (chunk != null) {
                chunks[i] = null;
                submit(executors[i], chunk);
            }
        }
        if (queued != 0) {
            backlog.add(queued, queuedBytes);
            queued = 0;
            queuedBytes = 0;
        }
    }

    private static void submit(Executor executor, Chunk chunk) {
        try {
            executor.execute(chunk);
        } catch (RejectedExecutionException e) {
            // the executor is shutting down: its connections are going, as with a single drain
            for (int i = 0; i < chunk.size; i++) {
                chunk.deliveries[i].session().onClosed();
            }
        }
    }

    /** One task: the drains of up to {@value #CHUNK} deliveries of one executor, in the order added. */
    private static final class Chunk implements Runnable {
        final Delivery[] deliveries = new Delivery[CHUNK];
        int size;

        @Override
        public void run() {
            for (int i = 0; i < size; i++) {
                Delivery delivery = deliveries[i];
                deliveries[i] = null;
                delivery.drain(); // never throws: a failing connection is disconnected, the others go on
            }
        }
    }
}
