package io.herald.core.hub;

/**
 * Something a session sends to its client through its outbound queue: a
 * {@link io.herald.core.Publication} or a {@link Subscribed} notice. Implementations are immutable.
 */
public interface Push {
    /** Approximate bytes this push occupies while queued, for the queue's byte bound. */
    int estimatedSize();
}
