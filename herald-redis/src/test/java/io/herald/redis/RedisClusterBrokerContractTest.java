package io.herald.redis;

import io.herald.core.broker.Broker;
import io.herald.core.broker.BrokerContractTest;
import java.util.concurrent.TimeUnit;
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
        // Warm up (class loading, the JIT): a cold JVM's first broker may take longer than the
        // operation timeout to read the cluster's topology and connect.
        try (RedisBroker warmUp = new RedisBroker(RedisBrokerConfig.cluster(cluster.addresses()).withPrefix("warmup"))) {
            warmUp.start(publication -> { });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!warmUp.health().join().up() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
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
