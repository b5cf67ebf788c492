package io.herald.redis;

import io.herald.core.presence.PresenceStore;
import io.herald.core.presence.PresenceStoreContractTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The unchanged presence contract against a real Redis Cluster (3 masters, 3 replicas): the store
 * and its peer are two brokers ("nodes") on one cluster and one key prefix, so commands are routed
 * by slot and events travel by sharded pub/sub; each test has its own prefix.
 */
class RedisClusterPresenceContractTest extends PresenceStoreContractTest {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static RedisClusterProcess cluster;
    private final List<RedisBroker> brokers = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.stop();
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(RedisBroker::close);
    }

    private PresenceStore node() {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.cluster(cluster.addresses()).withPrefix(prefix)
                .withTimeout(Duration.ofSeconds(2)));
        brokers.add(broker);
        broker.start(publication -> { }); // events travel through the broker's sharded pub/sub and processors
        // ready as a load balancer would see it: a cold JVM's first topology read and connections
        // may take longer than the operation timeout
        await("the node ready", () -> broker.health().join().up());
        return broker.presence();
    }

    @Override
    protected PresenceStore newStore() {
        prefix = "cpresence" + TESTS.incrementAndGet();
        return node();
    }

    @Override
    protected PresenceStore newPeer() {
        return node();
    }
}
