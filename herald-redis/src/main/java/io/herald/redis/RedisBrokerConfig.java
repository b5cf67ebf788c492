package io.herald.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a {@link RedisBroker} finds Redis and how long it waits for it. Immutable.
 *
 * @param address a Redis URI, e.g. {@code redis://127.0.0.1:6379} (standalone Redis; a password or
 *                database may be given the usual way, {@code redis://:secret@host:6379/0})
 * @param prefix  the prefix of every key and pub/sub channel the broker uses, so several Herald
 *                deployments (or tests) can share one Redis; letters, digits, {@code _.:-}
 * @param timeout the bound of every operation, connecting included: a publish, history read,
 *                subscribe or health check that Redis has not answered within it fails with
 *                {@code broker_unavailable}
 * @param presenceTtl how long a presence entry lives in Redis unless its node refreshes it; each
 *                node refreshes its own entries every third of it, so a node that died leaves
 *                presence within this long (docs/protocol.md, "Presence"); at least 300 ms
 */
public record RedisBrokerConfig(String address, String prefix, Duration timeout, Duration presenceTtl) {
    /** The default key prefix. */
    public static final String DEFAULT_PREFIX = "herald";
    /** The default operation timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** The default presence TTL. */
    public static final Duration DEFAULT_PRESENCE_TTL = Duration.ofSeconds(30);

    public RedisBrokerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(presenceTtl, "presenceTtl");
        try {
            RedisURI.create(address);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("address: \"" + address + "\" (expected: a Redis URI such as redis://127.0.0.1:6379)", e);
        }
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("prefix: \"" + prefix + "\" (expected: 1 to 64 of A-Z a-z 0-9 _ . : -)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (presenceTtl.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("presenceTtl: " + presenceTtl + " (expected: >= 300 ms)");
        }
    }

    /** A configuration with the default presence TTL. */
    public RedisBrokerConfig(String address, String prefix, Duration timeout) {
        this(address, prefix, timeout, DEFAULT_PRESENCE_TTL);
    }

    /** The broker of {@code address} with the default prefix and timeout. */
    public static RedisBrokerConfig of(String address) {
        return new RedisBrokerConfig(address, DEFAULT_PREFIX, DEFAULT_TIMEOUT);
    }

    /** This configuration with another key prefix. */
    public RedisBrokerConfig withPrefix(String prefix) {
        return new RedisBrokerConfig(address, prefix, timeout, presenceTtl);
    }

    /** This configuration with another operation timeout. */
    public RedisBrokerConfig withTimeout(Duration timeout) {
        return new RedisBrokerConfig(address, prefix, timeout, presenceTtl);
    }

    /** This configuration with another presence TTL. */
    public RedisBrokerConfig withPresenceTtl(Duration presenceTtl) {
        return new RedisBrokerConfig(address, prefix, timeout, presenceTtl);
    }
}
