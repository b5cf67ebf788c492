package io.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.core.Payload;
import io.herald.core.broker.BrokerHealth;
import io.herald.core.broker.BrokerListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RedisBroker on a standalone Redis with high availability: a master, its replica and three
 * Sentinels ({@link RedisSentinelProcess}), the broker given the Sentinels' address
 * ({@code redis-sentinel://.../?sentinelMasterId=mymaster}). Scenario 6 with Sentinel: a failover
 * ({@code SENTINEL FAILOVER}, or the master killed) mid-publish; publishes answer 503 (or are
 * answered) while it runs and succeed on the new master after it;
 * subscribers on both nodes get a reset (the new master's fence) and resume; nothing is skipped
 * silently.
 */
@Timeout(120)
class RedisSentinelBrokerTest {
    private static final NamespaceOptions OPTIONS = NamespaceOptions.builder().historySize(1000).build();
    private final List<RedisBroker> brokers = new ArrayList<>();

    @AfterEach
    void closeBrokers() {
        brokers.forEach(RedisBroker::close);
    }

    private RedisBroker node(RedisSentinelProcess ha, BrokerListener listener) {
        RedisBroker broker = new RedisBroker(RedisBrokerConfig.of(ha.address()).withPrefix("st")
                .withTimeout(Duration.ofMillis(2000)).withProbeInterval(Duration.ofSeconds(2)));
        brokers.add(broker);
        broker.start(listener);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!broker.health().join().up()) {
            assertThat(System.nanoTime()).as("the node ready").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return broker;
    }

    /** {@code SENTINEL FAILOVER} mid-publish: Sentinel closes the clients of both Redis as it swaps their roles. */
    @Test
    void aSentinelFailoverMidPublishResetsEveryChannelOnceAndPublishesGoToTheNewMaster() throws Exception {
        failoverMidPublish(RedisSentinelProcess::failover, 0);
    }

    /**
     * The master killed mid-publish: publishes answer 503 until the Sentinels have promoted the
     * replica (at least their 1 s {@code down-after-milliseconds}), then go to it.
     */
    @Test
    void aMasterKilledMidPublishAnswers503UntilTheSentinelsPromoteItsReplicaThenResetsOnce() throws Exception {
        failoverMidPublish(RedisSentinelProcess::killMaster, 1);
    }

    /** What happens to the Redis mid-publish; returns the new master's port. */
    private interface Switch {
        int run(RedisSentinelProcess ha);
    }

    private void failoverMidPublish(Switch how, int minUnavailable) throws Exception {
        try (RedisSentinelProcess ha = RedisSentinelProcess.start()) {
            int before = ha.masterPort();
            List<String> channels = IntStream.range(0, 6).mapToObj(i -> "s" + i).toList();
            AtomicInteger unavailable = new AtomicInteger();
            RedisBroker b = RedisClusterBrokerTest.publishThrough(listener -> node(ha, listener), channels, Set.copyOf(channels),
                    () -> how.run(ha), true, 1, (c, port) -> "served by " + port + ", NUMSUB there: "
                    + RedisClusterProcess.redisCli(port, "PUBSUB", "NUMSUB", "st:c:{" + c + "}").replace('\n', ' ')
                    + ", pub/sub clients there: " + RedisClusterProcess.redisCli(port, "CLIENT", "LIST", "TYPE", "pubsub").replace("\n", " | "),
                    unavailable);
            assertThat(ha.masterPort()).isNotEqualTo(before);
            assertThat(unavailable.get()).as("publishes answered 503 while the master changed").isGreaterThanOrEqualTo(minUnavailable);
            assertThat(b.health().get(5, TimeUnit.SECONDS)).isEqualTo(BrokerHealth.UP);
            assertThat(b.stats().reconnects()).as("the pub/sub connection reconnected to the new master").isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aSentinelAddressWithoutAMasterNameIsRefused() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> RedisBrokerConfig.of("redis-sentinel://127.0.0.1:26379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"redis-sentinel://127.0.0.1:26379\" (expected: " + RedisBrokerConfig.SENTINEL_FORM + ")");
    }
}
