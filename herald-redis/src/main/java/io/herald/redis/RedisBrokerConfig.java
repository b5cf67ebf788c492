package io.herald.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link RedisBroker} finds Redis, how long it waits for it, and how its node-to-node
 * fan-out is tuned. Immutable.
 *
 * @param address          a Redis URI, e.g. {@code redis://127.0.0.1:6379} (standalone Redis; a
 *                         password or database may be given the usual way,
 *                         {@code redis://:secret@host:6379/0}), or the Sentinels of a standalone
 *                         Redis with high availability in Lettuce's syntax,
 *                         {@code redis-sentinel://HOST:PORT[,HOST:PORT...]/?sentinelMasterId=NAME}:
 *                         the master is asked of the Sentinels at every connection and reconnection
 * @param prefix           the prefix of every key and pub/sub channel the broker uses, so several
 *                         Herald deployments (or tests) can share one Redis; letters, digits,
 *                         {@code _.:-}
 * @param timeout          the bound of every operation, connecting included: a publish, history
 *                         read, subscribe or health check that Redis has not answered within it fails
 *                         with {@code broker_unavailable}; a subscribe while the pub/sub connection
 *                         is down waits for it that long
 * @param linger           how long the node stays subscribed on Redis to a channel after its last
 *                         local subscriber left, so that a subscriber coming back soon (a reconnect,
 *                         a page reload) finds it subscribed at once; {@code >= 0}, 0 unsubscribes at
 *                         once
 * @param processors       how many threads hand publications from the pub/sub connection to the
 *                         node, each serving the channels that hash to it (so a channel's
 *                         publications stay serial and in order); {@code >= 1}
 * @param processorQueue   how many publications each processor holds waiting, {@code >= 1}. When a
 *                         processor's queue is full the pub/sub reader never waits: it drops the
 *                         message and marks its channel for a catch-up from history, which the
 *                         processor runs once it has room, delivering what was dropped in order; a
 *                         loss is never silent, and one that history can no longer fill reaches the
 *                         subscribers as a gap (they are disconnected, resume and get a reset)
 * @param topCheckInterval how often the top (epoch, offset) of channels idle that long is checked
 *                         against Redis (one pipelined {@code HMGET} per channel), so that a
 *                         publication missed or a stream flushed on an idle channel is noticed
 *                         without waiting for its next publication; {@code > 0}
 * @param probeInterval    how long the pub/sub connection may stay silent before the node publishes
 *                         a probe to itself on it, and how long it waits for the probe before it
 *                         restarts the connection (then resubscribes and catches up); {@code > 0}
 * @param clusterSeeds     empty for a standalone Redis at {@code address}; otherwise the Redis URIs
 *                         of one or more nodes of a Redis Cluster (7.0 or later: sharded pub/sub),
 *                         from which the broker learns the cluster's topology ({@code address} is
 *                         then the first of them): see {@link #cluster(List)}
 * @param presenceTtl      how long a presence entry lives in Redis unless its node refreshes it; each
 *                         node refreshes its own entries every third of it, so a node that died leaves
 *                         presence within this long (docs/protocol.md, "Presence"); at least 300 ms
 */
public record RedisBrokerConfig(String address, String prefix, Duration timeout, Duration linger, int processors,
                                int processorQueue, Duration topCheckInterval, Duration probeInterval,
                                List<String> clusterSeeds, Duration presenceTtl) {
    /** The shape of a Sentinel address, for error messages. */
    static final String SENTINEL_FORM = "redis-sentinel://HOST:PORT[,HOST:PORT...]/?sentinelMasterId=NAME";
    /** The default key prefix. */
    public static final String DEFAULT_PREFIX = "herald";
    /** The default operation timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** The default linger of a channel with no local subscriber left. */
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(5);
    /** The default number of processor threads. */
    public static final int DEFAULT_PROCESSORS = 2;
    /** The default bound of each processor's queue, in publications. */
    public static final int DEFAULT_PROCESSOR_QUEUE = 8192;
    /** The default interval of the idle channels' top check. */
    public static final Duration DEFAULT_TOP_CHECK_INTERVAL = Duration.ofSeconds(15);
    /** The default silence after which the pub/sub connection is probed. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(10);
    /** The default presence TTL. */
    public static final Duration DEFAULT_PRESENCE_TTL = Duration.ofSeconds(30);

    public RedisBrokerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(linger, "linger");
        Objects.requireNonNull(topCheckInterval, "topCheckInterval");
        Objects.requireNonNull(probeInterval, "probeInterval");
        Objects.requireNonNull(presenceTtl, "presenceTtl");
        clusterSeeds = List.copyOf(clusterSeeds);
        for (String seed : clusterSeeds.isEmpty() ? List.of(address) : clusterSeeds) {
            boolean sentinel = seed.startsWith("redis-sentinel");
            String expected = !clusterSeeds.isEmpty() ? "a Redis Cluster node URI such as redis://127.0.0.1:7001"
                    : sentinel ? SENTINEL_FORM : "a Redis URI such as redis://127.0.0.1:6379";
            try {
                RedisURI uri = RedisURI.create(seed);
                if (!clusterSeeds.isEmpty() && !uri.getSentinels().isEmpty()) {
                    throw new IllegalArgumentException("Sentinel in a Redis Cluster");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException((clusterSeeds.isEmpty() ? "address" : "clusterSeeds") + ": \"" + seed
                        + "\" (expected: " + expected + ")", e);
            }
        }
        if (!clusterSeeds.isEmpty() && !clusterSeeds.get(0).equals(address)) {
            throw new IllegalArgumentException("address: \"" + address + "\" (expected: the first cluster seed, \""
                    + clusterSeeds.get(0) + "\")");
        }
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("prefix: \"" + prefix + "\" (expected: 1 to 64 of A-Z a-z 0-9 _ . : -)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger: " + linger + " (expected: >= 0)");
        }
        if (processors < 1) {
            throw new IllegalArgumentException("processors: " + processors + " (expected: >= 1)");
        }
        if (processorQueue < 1) {
            throw new IllegalArgumentException("processorQueue: " + processorQueue + " (expected: >= 1)");
        }
        if (topCheckInterval.isNegative() || topCheckInterval.isZero()) {
            throw new IllegalArgumentException("topCheckInterval: " + topCheckInterval + " (expected: > 0)");
        }
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException("probeInterval: " + probeInterval + " (expected: > 0)");
        }
        if (presenceTtl.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("presenceTtl: " + presenceTtl + " (expected: >= 300 ms)");
        }
    }

    /** The given address, prefix and timeout with the default fan-out tuning and presence TTL. */
    public RedisBrokerConfig(String address, String prefix, Duration timeout) {
        this(address, prefix, timeout, DEFAULT_LINGER, DEFAULT_PROCESSORS, DEFAULT_PROCESSOR_QUEUE,
                DEFAULT_TOP_CHECK_INTERVAL, DEFAULT_PROBE_INTERVAL, List.of(), DEFAULT_PRESENCE_TTL);
    }

    /** The broker of {@code address} with the default prefix, timeout and fan-out tuning. */
    public static RedisBrokerConfig of(String address) {
        return new RedisBrokerConfig(address, DEFAULT_PREFIX, DEFAULT_TIMEOUT);
    }

    /**
     * The broker of a Redis Cluster (Redis 7.0 or later) found through {@code seeds} (one or more
     * node URIs), with the default prefix, timeout and fan-out tuning.
     *
     * @throws IllegalArgumentException when {@code seeds} is empty or one is not a Redis URI
     */
    public static RedisBrokerConfig cluster(List<String> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("clusterSeeds: [] (expected: one or more Redis URIs)");
        }
        return new RedisBrokerConfig(seeds.get(0), DEFAULT_PREFIX, DEFAULT_TIMEOUT, DEFAULT_LINGER, DEFAULT_PROCESSORS,
                DEFAULT_PROCESSOR_QUEUE, DEFAULT_TOP_CHECK_INTERVAL, DEFAULT_PROBE_INTERVAL, seeds, DEFAULT_PRESENCE_TTL);
    }

    /** Whether this is the configuration of a Redis Cluster ({@link #clusterSeeds()} not empty). */
    public boolean isCluster() {
        return !clusterSeeds.isEmpty();
    }

    /** This configuration with another key prefix. */
    public RedisBrokerConfig withPrefix(String prefix) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another operation timeout. */
    public RedisBrokerConfig withTimeout(Duration timeout) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another linger. */
    public RedisBrokerConfig withLinger(Duration linger) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another number of processors and bound of their queues. */
    public RedisBrokerConfig withProcessors(int processors, int processorQueue) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another top check interval. */
    public RedisBrokerConfig withTopCheckInterval(Duration topCheckInterval) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another probe interval. */
    public RedisBrokerConfig withProbeInterval(Duration probeInterval) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }

    /** This configuration with another presence TTL. */
    public RedisBrokerConfig withPresenceTtl(Duration presenceTtl) {
        return new RedisBrokerConfig(address, prefix, timeout, linger, processors, processorQueue, topCheckInterval, probeInterval,
                clusterSeeds, presenceTtl);
    }
}
