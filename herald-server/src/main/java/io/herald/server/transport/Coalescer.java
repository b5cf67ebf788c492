package io.herald.server.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer per event loop for coalesced session drains ({@link ChannelTransport#executeCoalesced}):
 * drains handed over while a timer is pending join its batch and run with it, so a thousand
 * connections that received the same publications cost one scheduled task, not a thousand. A
 * drain never waits longer than the delay it was handed: the pending timer was started no earlier
 * than the first drain of the batch arrived, with that drain's delay. Used on its event loop only.
 */
final class Coalescer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Coalescer.class);
    private static final FastThreadLocal<Coalescer> LOCAL = new FastThreadLocal<>() {
        @Override
        protected Coalescer initialValue() {
            return new Coalescer();
        }
    };

    private EventLoop loop;
    private ArrayList<Runnable> batch = new ArrayList<>();
    private ArrayList<Runnable> running = new ArrayList<>();
    private long deadline;
    private boolean scheduled;
    /** When the running batch started ({@link System#nanoTime()}), or 0 outside a batch. */
    private long batchNanos;

    /** The coalescer of {@code loop}; call on {@code loop}. */
    static Coalescer of(EventLoop loop) {
        Coalescer c = LOCAL.get();
        c.loop = loop;
        return c;
    }

    /** Runs {@code task} with the pending batch, or starts a batch that runs after {@code delayNanos}. */
    void add(Runnable task, long delayNanos) {
        long due = System.nanoTime() + delayNanos;
        if (scheduled && due - deadline < 0) {
            // This task may not wait as long as the pending batch: run it on its own.
            loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return;
        }
        batch.add(task);
        if (!scheduled) {
            scheduled = true;
            deadline = due;
            loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The start of the batch being run on this loop, or {@link System#nanoTime()} outside one. */
    long clockNanos() {
        long t = batchNanos;
        return t != 0 ? t : System.nanoTime();
    }

    @Override
    public void run() {
        scheduled = false;
        batchNanos = System.nanoTime();
        ArrayList<Runnable> tasks = batch;
        batch = running;
        running = tasks;
        for (int i = 0; i < tasks.size(); i++) {
            try {
                tasks.get(i).run();
            } catch (Throwable t) {
                log.warn("coalesced drain failed", t);
            }
        }
        tasks.clear();
        batchNanos = 0;
    }
}
