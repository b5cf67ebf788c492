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
}
