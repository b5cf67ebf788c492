package io.herald.core.hub;

import io.herald.core.Disconnect;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The drains one fan-out starts, handed to their executors in chunks of up to {@value #CHUNK}
 * sessions: one task per chunk instead of one task per session, so that a publication to 10,000
 * subscribers on one event loop queues 79 tasks, not 10,000. A chunk is submitted as soon as it is
 * full and the rest by {@link #finish()}; the drains themselves run on the executors, never on the
 * fan-out's thread (which may hold the broker's lock on the channel), and a chunk is small enough
 * for the event loop to go on serving I/O between chunks.
 *
 * <p>Not thread-safe: one batch per fan-out, used by the fan-out's thread only. Each session is
 * added at most once per batch (only the push that takes its drain count from 0 adds it).
 */
final class DrainBatch {
    /** Sessions per task. */
    static final int CHUNK = 128;

    private Executor[] executors = new Executor[2];
    private Chunk[] chunks = new Chunk[2];
    private int groups;

    /** Adds {@code session}'s drain to the chunk of its transport's executor. */
    void add(Session session) {
        Executor executor = session.transport().executor();
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
        chunk.sessions[chunk.size++] = session;
        if (chunk.size == CHUNK) {
            chunks[i] = null;
            submit(executor, chunk);
        }
    }

    /** Submits the chunks not yet full. Call once, after the fan-out. */
    void finish() {
        for (int i = 0; i < groups; i++) {
            Chunk chunk = chunks[i];
            if (chunk != null) {
                chunks[i] = null;
                submit(executors[i], chunk);
            }
        }
    }

    private static void submit(Executor executor, Chunk chunk) {
        try {
            executor.execute(chunk);
        } catch (RejectedExecutionException e) {
            // the executor is shutting down: its connections are going, as with a single drain
            for (int i = 0; i < chunk.size; i++) {
                chunk.sessions[i].drainRejected();
            }
        }
    }

    /** One task: the drains of up to {@value #CHUNK} sessions of one executor, in the order added. */
    private static final class Chunk implements Runnable {
        final Session[] sessions = new Session[CHUNK];
        int size;

        @Override
        public void run() {
            for (int i = 0; i < size; i++) {
                Session session = sessions[i];
                sessions[i] = null;
                try {
                    session.drain();
                } catch (RuntimeException e) {
                    // one connection's failure must not stop the drains of the others
                    session.disconnect(Disconnect.SERVER_ERROR);
                }
            }
        }
    }
}
