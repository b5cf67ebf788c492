package io.herald.bench.jmh;

import io.herald.core.Disconnect;
import io.herald.core.hub.CoalescingExecutor;
import io.herald.core.hub.Push;
import io.herald.core.hub.Transport;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * A core {@link Transport} that writes nowhere, for measuring the hub and sessions alone. Its
 * executor is a shared queue run by the benchmark after each publication, the way an event loop
 * runs the drains it was handed after the fan-out returns. Not thread-safe: one benchmark thread.
 */
final class NoOpTransport implements Transport {
    /** Drains handed to the "event loop", run by {@link #runPending}. */
    static final ArrayDeque<Runnable> PENDING = new ArrayDeque<>();
    /**
     * The "event loop": runs nothing itself, and holds coalesced drains the same way (a server's
     * LoopCoalescer would run them within the budget; the benchmark runs them after the fan-out),
     * so that sessions that flushed within the coalescing budget take the server's coalescing path.
     */
    private static final CoalescingExecutor LOOP = new CoalescingExecutor() {
        @Override
        public void execute(Runnable task) {
            PENDING.add(task);
        }

        @Override
        public void executeWithin(Runnable task, long delayNanos) {
            PENDING.add(task);
        }
    };

    long written;
    long flushes;

    /** Runs every queued drain; returns how many ran. */
    static int runPending() {
        int n = 0;
        Runnable r;
        while ((r = PENDING.poll()) != null) {
            r.run();
            n++;
        }
        return n;
    }

    @Override
    public String name() {
        return "no-op";
    }


    @Override
    public Executor executor() {
        return LOOP;
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public void write(Push push) {
        written++;
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close(Disconnect reason) {
    }
}
