package io.herald.redis;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * At most {@code permits} asynchronous operations in flight; the others wait in order and start as
 * earlier ones complete. Bounds the commands a burst of catch-ups or top checks (thousands of
 * channels after a reconnect) puts on the shared command connection at once, so that they never
 * fill its request queue under the node's own publishes. The waiting queue holds at most one
 * operation per channel and purpose (its callers ensure that). Thread-safe; operations start on the
 * thread that queued them or on the one that completed an earlier one, never recursively.
 */
final class Limiter {
    private final int permits;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int running;
    private boolean draining;

    Limiter(int permits) {
        this.permits = permits;
    }

    /** Runs {@code operation} when fewer than the permits are in flight; its result, or its failure. */
    <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable start = () -> {
            CompletableFuture<T> run;
            try {
                run = operation.get();
            } catch (RuntimeException e) {
                run = CompletableFuture.failedFuture(e);
            }
            run.whenComplete((value, error) -> {
                synchronized (this) {
                    running--;
                }
                drain();
                if (error == null) {
                    result.complete(value);
                } else {
                    result.completeExceptionally(error);
                }
            });
        };
        synchronized (this) {
            waiting.add(start);
        }
        drain();
        return result;
    }

    /** The operations waiting for a permit. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** Starts waiting operations while permits are free; a loop, so a synchronous completion never recurses. */
    private void drain() {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
        }
        for (;;) {
            Runnable next;
            synchronized (this) {
                if (running >= permits || waiting.isEmpty()) {
                    draining = false;
                    return;
                }
                running++;
                next = waiting.poll();
            }
            next.run();
        }
    }
}
