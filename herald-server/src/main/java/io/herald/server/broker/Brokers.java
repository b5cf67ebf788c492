package io.herald.server.broker;

import io.herald.core.broker.Broker;
import io.herald.core.broker.MemoryBroker;
import io.herald.redis.RedisBroker;

/**
 * Makes the broker a {@link BrokerConfig} names. Stateless.
 */
public final class Brokers {
    private Brokers() {
    }

    /**
     * A new, not started broker: a {@link MemoryBroker}, or a {@link RedisBroker} on the configured
     * address (which connects when the server starts it, and keeps reconnecting while Redis is away:
     * a server starts with Redis down and is not ready until it answers).
     */
    public static Broker create(BrokerConfig config) {
        return config.isRedis() ? new RedisBroker(config.redis()) : new MemoryBroker();
    }
}
