package io.herald.server.multinode;

import io.herald.redis.RedisBroker;
import io.herald.redis.RedisBrokerConfig;
import io.herald.redis.RedisServerProcess;
import io.herald.server.ServerConfig;
import io.herald.server.testing.HeraldProcess;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Several Herald nodes on one private Redis for one test: a {@link RedisServerProcess} of the test's
 * own, and {@link TestServer}s each on a {@link RedisBroker} of that Redis under one key prefix,
 * which is new for every instance. Close the test's clients, then the nodes, then this
 * (try-with-resources does it in that order), which stops Redis. Not thread-safe.
 */
final class RedisNodes implements AutoCloseable {
    /** Every Redis operation's bound ({@link RedisBrokerConfig#timeout()}). */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final RedisServerProcess redis;
    private final String prefix = "mn" + PREFIXES.incrementAndGet();

    private RedisNodes(RedisServerProcess redis) {
        this.redis = redis;
    }

    /** Starts a fresh Redis (no persistence) on a free loopback port. */
    static RedisNodes start() throws IOException {
        return new RedisNodes(RedisServerProcess.start());
    }

    /** The Redis the nodes share. */
    RedisServerProcess redis() {
        return redis;
    }

    /** The key prefix of this instance's nodes. */
    String prefix() {
        return prefix;
    }

    /** The broker configuration of this instance's nodes. */
    RedisBrokerConfig brokerConfig() {
        return new RedisBrokerConfig(redis.address(), prefix, TIMEOUT);
    }

    /**
     * A new node on this Redis and prefix in a JVM of its own, started as an operator starts one
     * ({@code herald --broker redis --redis-address ...}), so that a test can {@code kill -9} it.
     */
    HeraldProcess nodeProcess() throws IOException {
        RedisBrokerConfig config = brokerConfig();
        return HeraldProcess.start(Map.of("HERALD_BROKER_REDIS_PREFIX", config.prefix(),
                "HERALD_BROKER_REDIS_TIMEOUT", config.timeout().toMillis() + "ms"), "--broker", "redis", "--redis-address", config.address());
    }

    /** A new node on this Redis and prefix, with the test defaults changed by {@code configure}. */
    TestServer node(Consumer<ServerConfig.Builder> configure) {
        return TestServer.start(new RedisBroker(brokerConfig()), configure);
    }

    /**
     * Stops Redis. With {@code keepData} it first saves its data set ({@code SAVE}, an RDB file),
     * which {@link #startRedis} loads, as a Redis with persistence does after a restart: the same
     * keys, another {@code run_id}.
     */
    void stopRedis(boolean keepData) {
        if (keepData) {
            String saved = redis.command("SAVE");
            if (!"+OK".equals(saved)) {
                throw new IllegalStateException("SAVE answered " + saved);
            }
        }
        redis.stop();
    }

    /**
     * Starts the {@link #stopRedis stopped} Redis again on its port: with the data it saved when
     * {@code keepData}, else empty, as one without persistence.
     */
    void startRedis(boolean keepData) throws IOException {
        Path dump = Path.of("target", "redis-" + redis.port(), "dump.rdb").toAbsolutePath();
        if (!keepData) {
            Files.deleteIfExists(dump);
        }
        redis.restart();
        Files.deleteIfExists(dump); // loaded (or never written): a later Redis on this port starts empty
    }

    /** Stops Redis (the nodes are closed before, by the test). */
    @Override
    public void close() {
        redis.stop();
    }
}
