package io.herald.redis;

import io.herald.core.presence.PresenceStore;
import io.herald.core.presence.PresenceStoreContractTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The unchanged presence contract against a real {@code redis-server}: the store and its peer are
 * two brokers ("nodes") on one Redis and one key prefix; each test has its own prefix.
 */
class RedisPresenceContractTest extends PresenceStoreContractTest {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisServerProcess redis;
    private final List<RedisBroker> brokers = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(RedisBroker::close);
    }

    private PresenceStore node() {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix(prefix));
        brokers.add(broker);
        broker.start(publication -> { }); // events travel through the broker's pub/sub and processors
        return broker.presence();
    }

    @Override
    protected PresenceStore newStore() {
        prefix = "presence" + TESTS.incrementAndGet();
        return node();
    }

    @Override
    protected PresenceStore newPeer() {
        return node();
    }
}
