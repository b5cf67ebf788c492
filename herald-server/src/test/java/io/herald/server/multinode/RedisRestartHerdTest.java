package io.herald.server.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NodeConfig;
import io.herald.server.testing.SseSwarm;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reconnect herd after a Redis restart (docs/protocol.md, "Resume rule": the 4001s of a stream
 * lost live are spread over {@code delivery.reset-spread}): hundreds of SSE subscribers of one
 * channel on a real server over a real Redis get their {@code 4001} spread over the window, not in
 * one instant, and each, resuming with its last id as {@code EventSource} does, gets the reset and
 * then every later publication in order.
 */
@Timeout(120)
class RedisRestartHerdTest {
    private static final int SUBSCRIBERS = 250;
    private static final Duration SPREAD = Duration.ofSeconds(2);

    @Test
    void aRedisRestartsFourThousandOnesAreSpreadOverTheWindowAndEveryResumeGetsTheResetThenTheNewStream() throws Exception {
        try (RedisNodes redis = RedisNodes.start();
             TestServer a = redis.node(cfg -> cfg.paddingBytes(16).node(NodeConfig.builder().resetSpread(SPREAD).build()))) {
            List<Long> before = new ArrayList<>();
            try (SseSwarm swarm = SseSwarm.start(SUBSCRIBERS, "/sse/herd", a::port)) {
                TestServer.await("the subscriptions", Duration.ofSeconds(30),
                        () -> a.server().node().subscriptionCount() == SUBSCRIBERS);
                for (int i = 0; i < 3; i++) {
                    a.publish("herd", "before" + i);
                    before.add((long) i + 1);
                }
                List<SseSwarm.Subscriber> subs = swarm.subscribers();
                TestServer.await("the first publications", Duration.ofSeconds(30),
                        () -> subs.stream().allMatch(s -> s.offsets.size() == 3));

                redis.stopRedis(false);
                redis.startRedis(false);
                long back = System.nanoTime();
                // the node learns of the new epoch from its pub/sub reconnect's catch-up, with no publication
                TestServer.await("every subscriber's 4001 and reset", Duration.ofSeconds(60),
                        () -> subs.stream().allMatch(s -> s.resets.size() == 1));
                assertThat(subs).allSatisfy(s -> {
                    assertThat(s.goodbyes).hasSize(1);
                    assertThat(s.goodbyes.get(0).data()).contains("4001");
                });
                long first = subs.stream().mapToLong(s -> s.goodbyes.get(0).nanos()).min().orElseThrow();
                long last = subs.stream().mapToLong(s -> s.goodbyes.get(0).nanos()).max().orElseThrow();
                long spreadMs = TimeUnit.NANOSECONDS.toMillis(last - first);
                assertThat(spreadMs).as("time between the first and the last 4001 (ms)").isGreaterThan(100);
                assertThat(spreadMs).as("time between the first and the last 4001 (ms)").isLessThan(SPREAD.toMillis() + 1000);
                long within = subs.stream().filter(s -> s.goodbyes.get(0).nanos() - first < TimeUnit.MILLISECONDS.toNanos(100)).count();
                assertThat(within).as("4001s within 100 ms of the first").isLessThan(SUBSCRIBERS / 2);
                assertThat(TimeUnit.NANOSECONDS.toMillis(first - back)).as("first 4001 after Redis came back (ms)")
                        .isLessThan(15_000);

                TestServer.await("the resumed subscriptions", Duration.ofSeconds(30),
                        () -> a.server().node().subscriptionCount() == SUBSCRIBERS);
                for (int i = 0; i < 5; i++) {
                    a.publish("herd", "after" + i);
                }
                TestServer.await("the new stream", Duration.ofSeconds(30),
                        () -> subs.stream().allMatch(s -> s.offsets.size() == 8));
                List<Long> expected = new ArrayList<>(before);
                expected.addAll(LongStream.rangeClosed(1, 5).boxed().toList());
                assertThat(subs).allSatisfy(s -> {
                    assertThat(s.offsets).containsExactlyElementsOf(expected);
                    assertThat(s.data.subList(3, 8)).containsExactly("after0", "after1", "after2", "after3", "after4");
                    assertThat(s.resets).hasSize(1);
                    assertThat(s.goodbyes).hasSize(1);
                });
            }
            TestServer.await("the subscribers gone", Duration.ofSeconds(10), () -> a.server().node().sessionCount() == 0);
        }
    }
}
