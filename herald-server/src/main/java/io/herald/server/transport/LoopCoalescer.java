package io.herald.server.transport;

import io.herald.core.hub.CoalescingExecutor;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coalescing wrapper around one event loop: the executor every transport of the loop gives its
 * session ({@link io.herald.core.hub.Transport#executor()}): every {@link ChannelTransport}, and the
 * SockJS and Socket.IO sessions, so that the write delay (docs/protocol.md, "Write delay") applies
 * to every streaming transport. {@link #execute} runs a
 * task on the loop as it is; {@link #executeWithin} holds it in the loop's one pending batch, run by
 * one timer, so a thousand connections whose drains were held cost one scheduled task, not a
 * thousand, and their publications leave in one write each. A task never waits longer than the
 * delay it was handed: the pending timer was started no earlier than the first task of the batch
 * arrived, with that task's delay; a task that may not wait as long runs on a timer of its own.
 *
 * <p>One instance per event loop ({@link #of}), forgotten when the loop terminates. Thread-safe:
 * the batch itself is touched only on the loop.
 */
public final class LoopCoalescer implements CoalescingExecutor, Runnable {
    private static final Logger log = LoggerFactory.getLogger(LoopCoalescer.class);
    private static final ConcurrentHashMap<EventLoop, LoopCoalescer> LOOPS = new ConcurrentHashMap<>();

    private final EventLoop loop;
    private ArrayList<Runnable> batch = new ArrayList<>();
    private ArrayList<Runnable> running = new ArrayList<>();
    private long deadline;
    private boolean scheduled;

    private LoopCoalescer(EventLoop loop) {
        this.loop = loop;
    }

    /** The wrapper of {@code loop}; the same instance for every connection of the loop. Any thread. */
    public static LoopCoalescer of(EventLoop loop) {
        LoopCoalescer c = LOOPS.get(loop);
        if (c == null) {
            c = LOOPS.computeIfAbsent(loop, LoopCoalescer::new);
            loop.terminationFuture().addListener(f -> LOOPS.remove(loop));
        }
        return c;
    }

    /** Runs {@code task} on the loop, as {@link EventLoop#execute} does. */
    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    /** Runs {@code task} with the loop's pending batch, or starts a batch that runs after {@code delayNanos}. */
    @Override
    public void executeWithin(Runnable task, long delayNanos) {
        if (loop.inEventLoop()) {
            hold(task, delayNanos);
        } else {
            loop.execute(() -> hold(task, delayNanos));
        }
    }

    private void hold(Runnable task, long delayNanos) {
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

    /** The timer: runs the pending batch. On the loop. */
    @Override
    public void run() {
        scheduled = false;
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
    }

    @Override
    public String toString() {
        return "LoopCoalescer[" + loop + "]";
    }
}
