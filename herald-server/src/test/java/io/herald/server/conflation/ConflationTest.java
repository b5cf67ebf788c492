package io.herald.server.conflation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conflation for slow clients (docs/protocol.md, "Conflation") through a real server and raw
 * sockets that read slowly or not at all: the latest value per key arrives, the counts add up, the
 * session stays connected where a non-conflating one is cut, and memory stays bounded.
 */
class ConflationTest {
    private static final String[] KEYS = {"HRLD", "ACME", "GLBX", "UMBR", "WNKA", "TYRL"};
    private static final String PAD = "x".repeat(300);

    private static TestServer start(long queueMaxBytes) {
        return TestServer.start(cfg -> cfg.writeStallTimeout(Duration.ofMinutes(2)).node(NodeConfig.builder()
                .maxPayloadBytes(1024).queueMaxBytes(queueMaxBytes)
                .namespace("tick", NamespaceOptions.builder().conflation(true).build()).build()));
    }

    private static Publication publish(TestServer t, String channel, long i, String key) {
        return t.server().node().publish(channel, null, Payload.json("{\"i\":" + i + ",\"pad\":\"" + PAD + "\"}"), null, key)
                .join();
    }

    private static long conflated(TestServer t) {
        return t.server().node().transportStats().of("xhr-streaming").conflated();
    }

    private static long slowDisconnects(TestServer t) {
        return t.server().node().disconnectCounts().getOrDefault(Disconnect.SLOW, 0L);
    }

    private static void awaitSubscriptions(TestServer t, int n) {
        TestServer.await(n + " subscriptions", Duration.ofSeconds(20), () -> t.server().node().subscriptionCount() == n);
    }

    /**
     * What a conflating slow subscriber received ({@code got}, envelopes in order) against what was
     * published ({@code published} per key, the {@code lastOffset} of each key, {@code count} in
     * all): offsets increasing, some envelopes saying {@code conflated}, received plus conflated
     * equal to published per key, the latest value of every key, fewer than published.
     */
    static void assertConflatedAsPublished(List<JsonNode> got, Map<String, Integer> published, Map<String, Long> lastOffset,
                                           long count) {
        long previous = 0;
        Map<String, Integer> accounted = new HashMap<>();
        Map<String, Long> lastReceived = new HashMap<>();
        int conflatedEnvelopes = 0;
        for (JsonNode e : got) {
            long offset = e.get("offset").asLong();
            assertThat(offset).as("offsets increase").isGreaterThan(previous);
            previous = offset;
            String key = e.get("key").asText();
            int n = e.has("conflated") ? e.get("conflated").asInt() : 0;
            if (n > 0) {
                conflatedEnvelopes++;
            }
            accounted.merge(key, 1 + n, Integer::sum);
            lastReceived.put(key, offset);
        }
        assertThat(conflatedEnvelopes).as("envelopes that say they replaced others").isPositive();
        assertThat(accounted).as("received + conflated per key").isEqualTo(published);
        assertThat(lastReceived).as("the latest value of every key").isEqualTo(lastOffset);
        assertThat(got.size()).as("publications received").isLessThan((int) count);
    }

    @Test
    void aSlowSubscriberGetsTheLatestValuePerKeyAndStaysConnectedWhileANonConflatingOneIsCut() throws Exception {
        try (TestServer t = start(32 * 1024);
             StreamSocket slow = new StreamSocket(t, "tick:q");
             StreamSocket plain = new StreamSocket(t, "plain:q")) {
            awaitSubscriptions(t, 2);
            Map<String, Integer> published = new HashMap<>();
            Map<String, Long> lastOffset = new HashMap<>();
            List<JsonNode> got = new ArrayList<>();
            long i = 0;
            // Publishes (to both channels, the same keys) while the slow one reads a little now and
            // then, until conflation has been at work for a while and the plain one was cut.
            while (conflated(t) < 2000 || slowDisconnects(t) == 0) {
                assertThat(i).as("publications before conflation shows").isLessThan(200_000);
                String key = KEYS[(int) (i % KEYS.length)];
                Publication p = publish(t, "tick:q", i, key);
                publish(t, "plain:q", i, key);
                published.merge(key, 1, Integer::sum);
                lastOffset.put(key, p.offset());
                if (++i % 20 == 0) {
                    got.addAll(slow.read(2048, 1));
                }
            }
            assertThat(slowDisconnects(t)).isEqualTo(1);
            // the conflating subscriber is still there, and catches up once publishing stops
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
            long top = i;
            TestServer.await("the last publication reaches the slow subscriber", Duration.ofSeconds(30), () -> {
                got.addAll(slow.read(64 * 1024, 10));
                return !got.isEmpty() && got.get(got.size() - 1).get("data").get("i").asLong() == top - 1;
            });
            assertThat(slow.ended()).isFalse();

            assertConflatedAsPublished(got, published, lastOffset, i);

            // the non-conflating subscriber was cut: what reached it ends, with nothing conflated
            List<JsonNode> plainGot = new ArrayList<>();
            TestServer.await("the cut connection ends", Duration.ofSeconds(30), () -> {
                plainGot.addAll(plain.read(64 * 1024, 10));
                return plain.ended();
            });
            assertThat(plainGot).isNotEmpty().allSatisfy(e -> assertThat(e.has("conflated")).isFalse());
        }
    }

    @Test
    void publicationsWithoutAKeyAreNeverConflated() throws Exception {
        try (TestServer t = start(32 * 1024);
             StreamSocket stalled = new StreamSocket(t, "tick:n")) {
            awaitSubscriptions(t, 1);
            for (long i = 0; slowDisconnects(t) == 0; i++) {
                assertThat(i).as("publications before the stalled subscriber is cut").isLessThan(200_000);
                publish(t, "tick:n", i, null);
            }
            assertThat(conflated(t)).isZero();
            List<JsonNode> got = new ArrayList<>();
            TestServer.await("the cut connection ends", Duration.ofSeconds(30), () -> {
                got.addAll(stalled.read(64 * 1024, 10));
                return stalled.ended();
            });
            assertThat(got).isNotEmpty().allSatisfy(e -> {
                assertThat(e.has("conflated")).isFalse();
                assertThat(e.has("key")).isFalse();
            });
        }
    }

    @Test
    void aThousandSubscribersThatNeverReadStayConnectedAndTheBacklogStaysBounded() throws Exception {
        int subscribers = 1000;
        long queueMax = 16 * 1024;
        try (TestServer t = start(queueMax)) {
            List<StreamSocket> sockets = new ArrayList<>();
            try {
                for (int s = 0; s < subscribers; s++) {
                    sockets.add(new StreamSocket(t, "tick:all"));
                }
                awaitSubscriptions(t, subscribers);
                long bound = subscribers * queueMax;
                long maxBacklog = 0;
                long i = 0;
                // 3,000 publications (several MB per subscriber if nothing were replaced), and at least
                // until every session has had many replaced
                while (i < 3000 || conflated(t) < 50L * subscribers) {
                    assertThat(i).as("publications before conflation shows").isLessThan(20_000);
                    publish(t, "tick:all", i, KEYS[(int) (i++ % KEYS.length)]);
                    maxBacklog = Math.max(maxBacklog, t.server().node().backlogBytes());
                    assertThat(maxBacklog).as("backlog bytes after %s publications", i).isLessThanOrEqualTo(bound);
                }
                assertThat(slowDisconnects(t)).isZero();
                assertThat(t.server().node().sessionCount()).isEqualTo(subscribers);
                System.out.printf("conflation: %d subscribers that never read, %d publications, %d conflated,"
                                + " backlog at most %d bytes (bound %d, %.1f%%)%n", subscribers, i, conflated(t), maxBacklog,
                        bound, 100.0 * maxBacklog / bound);
                // past the threshold each queue holds about half its bound, not the bound
                assertThat(maxBacklog).isLessThanOrEqualTo(bound / 2 + subscribers * 2048L);
            } finally {
                for (StreamSocket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
