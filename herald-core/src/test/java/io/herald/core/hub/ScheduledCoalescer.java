package io.herald.core.hub;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link CoalescingExecutor} around a single-thread scheduler, as the server's LoopCoalescer is
 * around an event loop, counting the tasks it was asked to hold. For tests.
 */
final class ScheduledCoalescer implements CoalescingExecutor {
    private final ScheduledExecutorService loop;
    /** How many tasks {@link #executeWithin} was given. */
    final AtomicInteger held = new AtomicInteger();

    /** @param loop a single-thread scheduler, shut down by the test */
    ScheduledCoalescer(ScheduledExecutorService loop) {
        this.loop = loop;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public void executeWithin(Runnable task, long delayNanos) {
        held.incrementAndGet();
        loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }
}
