package io.herald.core.hub;

import io.herald.core.Publication;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A publication with a key, of a channel whose namespace has {@code conflation} on, as queued for
 * one session (docs/protocol.md, "Conflation"): until the session's drain takes it, a newer
 * publication of the same channel and key may replace it ({@link OutboundQueue#conflate}). Exactly
 * one of the two wins: the drain's {@link #take} or the newer one's {@link #replace}; a replaced
 * push stays in the queue's list and is skipped when it reaches the head (no search through the
 * queue). The session's drain unwraps it, so transports only ever see the {@link Publication}.
 * Thread-safe.
 */
final class Conflatable implements Push {
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int REPLACED = 2;
    private static final AtomicIntegerFieldUpdater<Conflatable> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Conflatable.class, "state");

    /** The channel and key this push may be replaced within. */
    record Slot(String channel, String key) {
    }

    final Slot slot;
    final Publication publication;
    /** The bytes of the push this one replaced in the queue, or 0 when it replaced none. */
    final int replacedBytes;
    private volatile int state;

    /**
     * @param slot          its channel and key
     * @param publication   the publication to write: as published, or the session's copy that says how
     *                      many it replaced ({@link Publication#conflated(int)})
     * @param replacedBytes the size of the push it replaced, 0 for none
     */
    Conflatable(Slot slot, Publication publication, int replacedBytes) {
        this.slot = slot;
        this.publication = publication;
        this.replacedBytes = replacedBytes;
    }

    /** The drain takes it to write it; false when a newer one replaced it first. */
    boolean take() {
        return STATE.compareAndSet(this, QUEUED, TAKEN);
    }

    /** A newer publication replaces it; false when the drain took it first. */
    boolean replace() {
        return STATE.compareAndSet(this, QUEUED, REPLACED);
    }

    @Override
    public int estimatedSize() {
        return publication.estimatedSize();
    }
}
