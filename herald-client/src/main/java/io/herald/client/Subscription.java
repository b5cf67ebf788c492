package io.herald.client;

/**
 * One channel subscribed by a {@link HeraldClient}: publications reach its {@link SubscriptionListener}
 * until {@link #close()}, across reconnects, resuming after {@link #lastId()}. Thread-safe: every
 * method may be called from any thread, the listener's included.
 */
public interface Subscription extends AutoCloseable {

    /** The channel. */
    String channel();

    /**
     * The id of the last publication received from the server (queued for the listener or already
     * delivered), or the position of the last reset; the {@code since} given to subscribe before the
     * first; null when there is none yet. A reconnect resumes after it.
     */
    String lastId();

    /** The connection's current state. */
    ConnectionState state();

    /**
     * Ends the subscription: unsubscribes (or closes its SSE stream), drops what is still queued for
     * the listener, and reports {@link ConnectionState#CLOSED} to it, unless the listener had already
     * seen {@code CLOSED}. Returns at once; idempotent.
     */
    @Override
    void close();
}
