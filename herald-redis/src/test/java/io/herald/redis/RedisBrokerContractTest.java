package io.herald.redis;

import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The unchanged broker contract against a real {@code redis-server}; each test has its own key prefix. */
class RedisBrokerContractTest extends BrokerContractTest {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    @Override
    protected Broker newBroker() {
        return new RedisBroker(RedisBrokerConfig.of(redis.address()).withPrefix("contract" + TESTS.incrementAndGet()));
    }
}
