package io.herald.core.hub;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * A session's queue of pushes waiting to be written, bounded in bytes ({@link Push#estimatedSize()}).
 * Publications replayed from history on subscribe are queued with size 0 (they are shared with
 * history, itself bounded): a client resuming from far back is not cut for it.
 *
 * <p>{@link #offer} never blocks: when the push would take the queue past its bound it is refused
 * and {@code false} returned; the session then disconnects its client as slow, with its last id to
 * resume from. Many producers (broker threads); one consumer (the connection's I/O thread), and whoever drops
 * the queue when its session ends.
 * Thread-safe.
 *
 * <p>Wire contract: docs/protocol.md, "Backpressure".
 */
public final class OutboundQueue {
    private static final AtomicLongFieldUpdater<OutboundQueue> BYTES =
            AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "bytes");

    private final Queue<Push> items = new ConcurrentLinkedQueue<>();
    /** Bytes queued (estimate); a field of this object rather than an atomic of its own (one object less per push). */
    private volatile long bytes;
    private final long maxBytes;

    /** @param maxBytes the bound in bytes, {@code > 0} */
    public OutboundQueue(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
        }
        this.maxBytes = maxBytes;
    }

    /** Adds {@code push}, or returns false, leaving the queue unchanged, when it would exceed the bound. */
    public boolean offer(Push push) {
        int size = push.estimatedSize();
        if (BYTES.addAndGet(this, size) > maxBytes) {
            BYTES.addAndGet(this, -size);
            return false;
        }
        items.add(push);
        return true;
    }

    /** Removes and returns the oldest push, or null when empty. Single consumer. */
    public Push poll() {
        Push push = items.poll();
        if (push != null) {
            BYTES.addAndGet(this, -push.estimatedSize());
        }
        return push;
    }

    /** Bytes queued now (estimate). */
    public long bytes() {
        return bytes;
    }

    /** The bound in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Whether nothing is queued. */
    public boolean isEmpty() {
        return items.isEmpty();
    }
}
