package io.herald.core.broker;

import io.herald.core.Publication;

/**
 * Receives publications from a {@link Broker} for the channels this node subscribed to.
 *
 * <p>Called from the broker's threads; calls for one channel are never concurrent and come in
 * offset order. Implementations must not block: the hub only enqueues into outbound queues.
 */
@FunctionalInterface
public interface BrokerListener {
    /** A publication on a subscribed channel. */
    void onPublication(Publication publication);

    /**
     * The channel's stream was lost without a publication saying so: the broker found that its
     * epoch changed, or that it no longer exists, while nothing was published (e.g. a remote store
     * flushed or restarted, noticed by a periodic check of idle channels). Positions this node's
     * subscribers hold on the channel are stale: the hub disconnects them with
     * {@link io.herald.core.Disconnect#INSUFFICIENT_STATE}, so their clients resume and are told of
     * the reset (docs/protocol.md, "Resume rule"), rather than waiting for a next publication that
     * might not come.
     *
     * <p>Called like {@link #onPublication}: from the broker's threads, never concurrently with
     * another call for the same channel, in order with its publications. The in-memory broker
     * never calls it (its streams end only when unused). The default does nothing.
     *
     * @param channel a subscribed channel
     */
    default void onStreamLost(String channel) {
    }
}
