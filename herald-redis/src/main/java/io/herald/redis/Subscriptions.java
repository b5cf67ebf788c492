package io.herald.redis;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * Which channels a node is subscribed to on Redis, over which pub/sub connections: one connection
 * for a standalone Redis ({@link PubSub}), one per master for a Redis Cluster's sharded pub/sub
 * ({@link ShardedPubSub}). Thread-safe.
 */
interface Subscriptions {
    /** Connects in the background and starts the periodic work (linger sweep, probe). */
    void start();

    /** Completes when the pub/sub connection(s) the node needs are open; fails with why one is not. */
    CompletableFuture<?> connection();

    /** The channels held (any state). */
    Collection<Channel> channels();

    /** The channel named {@code name} when held, else null. */
    Channel channel(String name);

    /** Subscribes the node to {@code name}; completes on Redis's confirmation (see {@link PubSub#subscribe}). */
    CompletableFuture<Void> subscribe(String name);

    /** The node no longer has subscribers for {@code name} (see {@link PubSub#unsubscribe}). */
    void unsubscribe(String name);

    /** Stops reconnecting and closes the connection(s). */
    void close();

    /** Tells the manager a connection of the client was closed (by Redis, the network or a restart). */
    void lost(Object connection);
}
