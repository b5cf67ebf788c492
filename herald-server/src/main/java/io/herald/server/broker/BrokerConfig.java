package io.herald.server.broker;

import static io.herald.server.ConfigRules.check;
import static io.herald.server.ConfigRules.positive;

import io.herald.redis.RedisBrokerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which broker a server stores its channel streams in (docs/configuration.md, "Broker"): the
 * in-memory one (one node, the default), or Redis, shared by several nodes (README, "Run several
 * nodes"). Immutable; build with {@link #builder()}. Each component is checked in the constructor,
 * which throws {@link IllegalArgumentException} {@code "field: value (expected: rule)"}, the shape
 * the configuration loader turns into one line naming the key.
 *
 * @param type           {@link #MEMORY}, {@link #REDIS} or {@link #REDIS_CLUSTER}
 * @param redisAddresses with {@link #REDIS}, exactly one Redis URI ({@code redis://host:port},
 *                       {@code rediss://} for TLS), or the Sentinels of a Redis with high
 *                       availability, {@code redis-sentinel://HOST:PORT[,HOST:PORT...]/?sentinelMasterId=NAME}
 *                       (the master is asked of them at every connection); with {@link #REDIS_CLUSTER}, one or more seed
 *                       nodes of the cluster, from which the broker learns the rest; ignored by the
 *                       memory broker
 * @param redisPrefix    the prefix of every Redis key and pub/sub channel, so several deployments
 *                       (or tests) can share one Redis
 * @param redisTimeout   the bound of every Redis operation, connecting included, {@code > 0}: past it
 *                       the operation fails with {@code broker_unavailable}
 * @param redisPresenceTtl how long a presence entry lives in Redis unless its node refreshes it (every
 *                       third of it), so a node that died leaves presence within this long; at least
 *                       300 ms
 */
public record BrokerConfig(String type, List<String> redisAddresses, String redisPrefix, Duration redisTimeout,
                           Duration redisPresenceTtl) {
    /** The in-memory broker: one node, history lost when it stops. */
    public static final String MEMORY = "memory";
    /** The Redis broker: several nodes share channel streams and history on one Redis. */
    public static final String REDIS = "redis";
    /** The Redis broker on a Redis Cluster (7.0 or later, sharded pub/sub). */
    public static final String REDIS_CLUSTER = "redis-cluster";
    /** The in-memory broker with the defaults. */
    public static final BrokerConfig IN_MEMORY = builder().build();

    public BrokerConfig {
        Objects.requireNonNull(type, "type");
        redisAddresses = sentinelsJoined(redisAddresses);
        Objects.requireNonNull(redisPrefix, "redisPrefix");
        positive("redisTimeout", redisTimeout);
        Objects.requireNonNull(redisPresenceTtl, "redisPresenceTtl");
        check("type", type, type.equals(MEMORY) || type.equals(REDIS) || type.equals(REDIS_CLUSTER),
                MEMORY + ", " + REDIS + " or " + REDIS_CLUSTER);
        if (type.equals(REDIS)) {
            check("redisAddresses", redisAddresses, redisAddresses.size() == 1,
                    "one Redis URI such as redis://127.0.0.1:6379 when broker.type is redis");
        }
        if (type.equals(REDIS_CLUSTER)) {
            check("redisAddresses", redisAddresses, !redisAddresses.isEmpty(),
                    "one or more seed node URIs such as redis://127.0.0.1:7001 when broker.type is redis-cluster");
        }
        redis(type, redisAddresses, redisPrefix, redisTimeout, redisPresenceTtl); // the Redis broker's own checks, under this record's names
    }

    /**
     * The addresses with a Sentinel address split at its commas joined again: a list given in the
     * environment (comma-separated) or as a YAML flow sequence turns
     * {@code redis-sentinel://a:26379,b:26379/?sentinelMasterId=m} into
     * {@code [redis-sentinel://a:26379, b:26379/?sentinelMasterId=m]}; the parts after it that have no
     * scheme are its other Sentinels.
     */
    private static List<String> sentinelsJoined(List<String> addresses) {
        List<String> out = new ArrayList<>();
        for (String address : addresses) {
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).startsWith("redis-sentinel://") && !address.contains("://")) {
                out.set(last, out.get(last) + "," + address);
            } else {
                out.add(address);
            }
        }
        return List.copyOf(out);
    }

    /** Whether this is the Redis broker, on one Redis or on a Redis Cluster. */
    public boolean isRedis() {
        return type.equals(REDIS) || type.equals(REDIS_CLUSTER);
    }

    /**
     * The Redis broker's configuration: on a Redis Cluster with every address as a seed, else with
     * the first address ({@code redis://127.0.0.1:6379} when there is none, which only the memory
     * broker allows).
     *
     * @throws IllegalArgumentException {@code "redisAddresses: ..."} or {@code "redisPrefix: ..."}
     */
    public RedisBrokerConfig redis() {
        return redis(type, redisAddresses, redisPrefix, redisTimeout, redisPresenceTtl);
    }

    private static RedisBrokerConfig redis(String type, List<String> redisAddresses, String redisPrefix, Duration redisTimeout,
                                           Duration redisPresenceTtl) {
        List<String> addresses = redisAddresses.isEmpty() ? List.of("redis://127.0.0.1:6379") : redisAddresses;
        for (String address : addresses) {
            boolean sentinel = type.equals(REDIS) && address.startsWith("redis-sentinel://");
            check("redisAddresses", address, address.startsWith("redis://") || address.startsWith("rediss://") || sentinel,
                    type.equals(REDIS) ? "a Redis URI starting redis:// or rediss://, or redis-sentinel://HOST:PORT/?sentinelMasterId=NAME"
                            : "a Redis URI starting redis:// or rediss://");
        }
        try {
            RedisBrokerConfig redis = type.equals(REDIS_CLUSTER) ? RedisBrokerConfig.cluster(addresses)
                    : RedisBrokerConfig.of(addresses.get(0));
            return redis.withPrefix(redisPrefix).withTimeout(redisTimeout).withPresenceTtl(redisPresenceTtl);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new IllegalArgumentException(message.startsWith("prefix:") ? "redisPrefix" + message.substring("prefix".length())
                    : message.startsWith("address:") ? "redisAddresses" + message.substring("address".length())
                    : message.startsWith("clusterSeeds:") ? "redisAddresses" + message.substring("clusterSeeds".length())
                    : message.startsWith("presenceTtl:") ? "redisPresenceTtl" + message.substring("presenceTtl".length()) : message);
        }
    }

    /** A builder with the defaults: the memory broker; prefix {@code herald}; timeout 2 s; presence TTL 30 s. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link BrokerConfig}. Not thread-safe. */
    public static final class Builder {
        private String type = MEMORY;
        private List<String> redisAddresses = List.of();
        private String redisPrefix = RedisBrokerConfig.DEFAULT_PREFIX;
        private Duration redisTimeout = RedisBrokerConfig.DEFAULT_TIMEOUT;
        private Duration redisPresenceTtl = RedisBrokerConfig.DEFAULT_PRESENCE_TTL;

        private Builder() {
        }

        /** Sets {@link BrokerConfig#type()}: {@code memory} (default), {@code redis} or {@code redis-cluster}. */
        public Builder type(String type) {
            this.type = type;
            return this;
        }

        /** Sets {@link BrokerConfig#redisAddresses()}; none by default. */
        public Builder redisAddresses(List<String> addresses) {
            this.redisAddresses = addresses;
            return this;
        }

        /** Sets {@link BrokerConfig#redisPrefix()}; {@code herald} by default. */
        public Builder redisPrefix(String prefix) {
            this.redisPrefix = prefix;
            return this;
        }

        /** Sets {@link BrokerConfig#redisTimeout()}; 2 s by default. */
        public Builder redisTimeout(Duration timeout) {
            this.redisTimeout = timeout;
            return this;
        }

        /** Sets {@link BrokerConfig#redisPresenceTtl()}; 30 s by default. */
        public Builder redisPresenceTtl(Duration ttl) {
            this.redisPresenceTtl = ttl;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException naming the component that breaks its rule
         */
        public BrokerConfig build() {
            return new BrokerConfig(type, redisAddresses, redisPrefix, redisTimeout, redisPresenceTtl);
        }
    }
}
