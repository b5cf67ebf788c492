package io.herald.core.hub;

import io.herald.core.Publication;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p><b>Conflation</b> (docs/protocol.md, "Conflation"). A publication with a key of a conflating
 * channel is queued as a {@link Conflatable} made by {@link #conflate}: once the queue holds more
 * than half its bound (the conflation threshold), the queued, not yet taken push of the same
 * channel and key is replaced, its bytes leave the queue, and the new one is appended saying how
 * many it stands for (remove and append: offsets stay in order per channel). The queue stays
 * bounded: the new push is offered like any other and refused past the bound.
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
    /**
     * The {@link Conflatable}s queued and not yet taken, by channel and key (an entry may linger
     * once taken, until the next of its slot overwrites it); created on first use.
     */
    private volatile ConcurrentHashMap<Conflatable.Slot, Conflatable> conflatable;

    /** @param maxBytes the bound in bytes, {@code > 0} */
    public OutboundQueue(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Adds {@code push}, or returns false, leaving the queue unchanged, when it would exceed the
     * bound. A {@link Conflatable} from {@link #conflate} becomes the one its slot's next may replace.
     */
    public boolean offer(Push push) {
        int size = push.estimatedSize();
        if (BYTES.addAndGet(this, size) > maxBytes) {
            BYTES.addAndGet(this, -size);
            return false;
        }
        items.add(push);
        if (push instanceof Conflatable c) {
            slots().put(c.slot, c);
        }
        return true;
    }

    /**
     * The push to {@link #offer} for {@code p}, a publication with a key of a conflating channel:
     * past the conflation threshold (more than half the bound queued), when the queued push of the
     * same channel and key is not taken yet, it is replaced (its bytes leave the queue now) and the
     * result is a copy of {@code p} saying how many it stands for ({@link Publication#conflated(int)}:
     * the replaced one's count plus one), with {@link Conflatable#replacedBytes} set. Otherwise
     * {@code p} as it is, replaceable in turn. Offers of one channel must not run concurrently
     * (the subscription's monitor orders them); the drain may run meanwhile.
     */
    Conflatable conflate(Publication p) {
        Conflatable.Slot slot = new Conflatable.Slot(p.channel(), p.key());
        Conflatable queued = bytes > maxBytes / 2 ? slots().get(slot) : null;
        if (queued != null && queued.replace()) {
            int size = queued.estimatedSize();
            BYTES.addAndGet(this, -size);
            return new Conflatable(slot, p.conflated(queued.publication.conflated() + 1), size);
        }
        return new Conflatable(slot, p, 0);
    }

    private ConcurrentHashMap<Conflatable.Slot, Conflatable> slots() {
        ConcurrentHashMap<Conflatable.Slot, Conflatable> slots = conflatable;
        if (slots == null) {
            synchronized (this) {
                slots = conflatable;
                if (slots == null) {
                    slots = new ConcurrentHashMap<>();
                    conflatable = slots;
                }
            }
        }
        return slots;
    }

    /**
     * Removes and returns the oldest push, or null when empty; a replaced {@link Conflatable} is
     * skipped (its bytes already left). Single consumer.
     */
    public Push poll() {
        for (;;) {
            Push push = items.poll();
            if (push == null) {
                return null;
            }
            if (push instanceof Conflatable c) {
                if (!c.take()) {
                    continue;
                }
                slots().remove(c.slot, c);
            }
            BYTES.addAndGet(this, -push.estimatedSize());
            return push;
        }
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
