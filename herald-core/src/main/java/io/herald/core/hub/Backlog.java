package io.herald.core.hub;

import java.util.concurrent.atomic.LongAdder;

/**
 * The node's count of pushes waiting to be written, across all sessions, and of their bytes
 * ({@link Push#estimatedSize()}): what the node's overload bound and the outbound-queue metric
 * read. Kept incrementally by every {@link Delivery} (added when a push is queued or handed to a
 * drain, removed when it is written or dropped), so reading it never walks the sessions.
 *
 * <p>The sums are eventually exact: a fan-out adds what it queued once, after it handed the drains
 * out, so a reading taken meanwhile may be briefly low (never below zero once the fan-out is over).
 * Thread-safe.
 */
public final class Backlog {
    private final LongAdder pushes = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    /** Pushes waiting to be written, across sessions (at least 0). */
    public long pushes() {
        return Math.max(0, pushes.sum());
    }

    /** Estimated bytes of the pushes waiting to be written, across sessions (at least 0). */
    public long bytes() {
        return Math.max(0, bytes.sum());
    }

    /** Counts {@code count} pushes of {@code size} bytes in all; negative counts take them out. */
    void add(long count, long size) {
        pushes.add(count);
        bytes.add(size);
    }
}
