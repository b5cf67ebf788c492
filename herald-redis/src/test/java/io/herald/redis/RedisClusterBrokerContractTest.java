package io.herald.redis;

import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The unchanged broker contract against a real Redis Cluster (3 masters, 3 replicas, sharded
 * pub/sub); each test has its own key prefix.
 */
class RedisClusterBrokerContractTest extends BrokerContractTest {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisClusterProcess cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.stop();
    }

    @Override
    protected Broker newBroker() {
        return new RedisBroker(RedisBrokerConfig.cluster(cluster.addresses()).withPrefix("contract" + TESTS.incrementAndGet()));
    }
}
