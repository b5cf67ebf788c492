package io.herald.core.hub;

import java.util.concurrent.Executor;

/**
 * An executor that can also hold a task for up to a delay, so that it runs together with the other
 * tasks held meanwhile: one timer for many. A transport offers coalescing by returning one from
 * {@link Transport#executor()}, typically a wrapper around its event loop; a {@link Delivery} whose
 * session flushed less than the coalescing budget ago hands its next drain to
 * {@link #executeWithin}, so the publications that arrive meanwhile leave in the same write.
 *
 * <p>Implementations run every task on the same single thread as {@link #execute}, never later
 * than the delay given (plus scheduling latency), and keep the order in which tasks of one
 * delivery were handed over. Thread-safe.
 */
public interface CoalescingExecutor extends Executor {

    /**
     * Runs {@code task} within {@code delayNanos} from now, batched with the other tasks held.
     *
     * @param task       the task, run once
     * @param delayNanos the longest it may be held, {@code > 0}
     * @throws java.util.concurrent.RejectedExecutionException when the executor is shutting down
     */
    void executeWithin(Runnable task, long delayNanos);
}
