package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.redis.RedisClusterProcess;
import io.herald.redis.RedisServerProcess;
import io.herald.server.testing.HeraldProcess;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code herald --broker redis --redis-address URI} as an operator runs it (README, "Run several
 * nodes"): separate processes on one real {@code redis-server} share channels, and a node whose
 * Redis is away starts, says it is not ready and why, answers publishes with 503 at once, and
 * recovers when Redis returns (docs/configuration.md, "Broker"); and the same on a Redis Cluster
 * ({@code --broker redis-cluster} with seed addresses).
 */
@Timeout(120)
class HeraldCommandRedisTest {
    private static final Map<String, String> ONE_SECOND_TIMEOUT = Map.of("HERALD_BROKER_REDIS_TIMEOUT", "1s");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> publish(int port, String channel, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pub/" + channel))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HeraldProcess node(RedisServerProcess redis) throws IOException {
        return HeraldProcess.start(ONE_SECOND_TIMEOUT, "--broker", "redis", "--redis-address", redis.address());
    }

    @Test
    void twoNodesOnOneRedisShareEveryChannel() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(); HeraldProcess a = node(redis); HeraldProcess b = node(redis)) {
            assertShareChannels(a, b);
        }
    }

    @Test
    void twoNodesOnARedisClusterShareEveryChannel() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.start()) {
            List<String> seeds = cluster.addresses().subList(0, 2);
            String[] args = {"--broker", "redis-cluster", "--redis-address", seeds.get(0), "--redis-address", seeds.get(1)};
            // presence and join/leave on (docs/configuration.md, "Broker"), entries expiring a second after their node died;
            // no per-address connection rate: the awaits below poll GET /presence every 10 ms, each on a new
            // connection, and would pass the default 20 a second (burst 50) when presence takes over a second
            // to settle (the limit itself is tested by the edge tests)
            Map<String, String> presence = Map.of("HERALD_PRESENCE", "true", "HERALD_JOIN_LEAVE", "true",
                    "HERALD_BROKER_REDIS_PRESENCE_TTL", "1s", "HERALD_LIMITS_PER_IP_CONNECT_RATE", "0");
            try (HeraldProcess a = HeraldProcess.start(presence, args); HeraldProcess b = HeraldProcess.start(presence, args)) {
                for (HeraldProcess node : List.of(a, b)) {
                    TestServer.await("the node ready on the cluster", Duration.ofSeconds(20), () -> {
                        try {
                            return get(node.adminPort(), "/health/ready").statusCode() == 200;
                        } catch (IOException | InterruptedException e) {
                            return false;
                        }
                    });
                }
                assertShareChannels(a, b);
                assertSharePresence(a, b);
            }
        }
    }

    /**
     * Presence across two nodes on a Redis Cluster: a WebSocket subscriber on A hears the join and
     * leave of an SSE subscriber on B; each node's GET /presence lists the other's subscriber; once B
     * is killed, its subscriber leaves A's answer within the presence TTL.
     */
    private void assertSharePresence(HeraldProcess a, HeraldProcess b) throws Exception {
        try (WsClient onA = WsClient.connect(URI.create("ws://127.0.0.1:" + a.port() + "/ws"))) {
            onA.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"lobby\"}");
            assertThat(onA.nextJson().get("ok").asBoolean()).isTrue();
            String aId = onA.nextJson().at("/join/client").asText();
            HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + b.port() + "/sse/lobby")).build(), HttpResponse.BodyHandlers.ofInputStream());
            String bId;
            try (SseReader onB = new SseReader(stream.body())) {
                assertThat(onB.next().retry()).as("B's stream started").isNotNull();
                com.fasterxml.jackson.databind.JsonNode join = onA.nextJson();
                assertThat(join.at("/join/channel").asText()).as("%s", join).isEqualTo("lobby");
                bId = join.at("/join/client").asText();
                assertThat(bId).isNotEqualTo(aId);
                for (HeraldProcess node : List.of(a, b)) {
                    TestServer.await("both subscribers listed by " + node.port(), Duration.ofSeconds(10),
                            () -> presenceOf(node).size() == 2);
                    assertThat(presenceOf(node)).containsExactlyInAnyOrder(aId, bId);
                }
            }
            com.fasterxml.jackson.databind.JsonNode leave = onA.nextJson();
            assertThat(leave.toString()).isEqualTo("{\"leave\":{\"channel\":\"lobby\",\"client\":\"" + bId + "\"}}");
            TestServer.await("B's subscriber gone from A's answer", Duration.ofSeconds(10), () -> presenceOf(a).equals(List.of(aId)));

            // a subscriber on B, then B dies: its entry outlives it until the TTL, no longer
            HttpResponse<java.io.InputStream> again = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + b.port() + "/sse/lobby")).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (SseReader onB = new SseReader(again.body())) {
                assertThat(onB.next().retry()).isNotNull();
                TestServer.await("B's new subscriber listed by A", Duration.ofSeconds(10), () -> presenceOf(a).size() == 2);
                b.kill();
                long killed = System.nanoTime();
                TestServer.await("B's entry expired", Duration.ofSeconds(10), () -> presenceOf(a).equals(List.of(aId)));
                assertThat((System.nanoTime() - killed) / 1_000_000).as("ms until a killed node's entry left").isLessThan(4000);
            }
        }
    }

    /** The client ids GET /presence/lobby lists on {@code node}. */
    private List<String> presenceOf(HeraldProcess node) {
        try {
            HttpResponse<String> r = get(node.port(), "/presence/lobby");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            List<String> ids = new java.util.ArrayList<>();
            TestServer.json(r.body()).get("clients").forEach(c -> ids.add(c.get("client").asText()));
            return ids;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A subscriber on B hears what is published on A, in order, and B's history has it; both nodes
     * ready; B's /metrics has the Redis broker's counters. Publishes as soon as B's stream started:
     * a stream starts once its subscription is live, on every broker (docs/protocol.md, "SSE").
     */
    private void assertShareChannels(HeraldProcess a, HeraldProcess b) throws Exception {
        HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + b.port() + "/sse/news")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (SseReader onB = new SseReader(stream.body())) {
            assertThat(onB.next().retry()).as("B's stream started").isNotNull();
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> published = publish(a.port(), "news", "story " + i);
                assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
                assertThat(TestServer.json(published.body()).get("offset").asLong()).isEqualTo(i);
            }
            for (int i = 1; i <= 3; i++) {
                SseReader.Event e = onB.nextEvent();
                assertThat(e.data()).as("published on A, heard on B, in order").isEqualTo("story " + i);
            }
            HttpResponse<String> history = get(b.port(), "/history/news");
            assertThat(history.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(history.body()).get("messages")).extracting(p -> p.get("data").asText())
                    .containsExactly("story 1", "story 2", "story 3");
            assertThat(get(a.adminPort(), "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(b.adminPort(), "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(b.adminPort(), "/metrics").body()).as("the Redis broker's counters")
                    .contains("herald_redis_reconnects_total 0.0", "herald_redis_resets_total 0.0", "herald_redis_catch_ups_total");
        }
    }

    @Test
    void aNodeWhoseRedisIsAwayIsNotReadyAnswers503AndRecoversWhenRedisReturns() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            redis.stop();
            try (HeraldProcess a = node(redis)) {
                HttpResponse<String> ready = get(a.adminPort(), "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).as("the reason names the Redis").contains("redis 127.0.0.1:" + redis.port());
                long sent = System.nanoTime();
                HttpResponse<String> refused = publish(a.port(), "news", "lost?");
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(TestServer.json(refused.body()).get("error").get("code").asText()).isEqualTo("broker_unavailable");
                assertThat(tookMs).as("answered within the 1 s timeout (plus slack), never a hang").isLessThan(3_000);

                redis.restart();
                TestServer.await("ready once Redis answers", Duration.ofSeconds(20), () -> {
                    try {
                        return get(a.adminPort(), "/health/ready").statusCode() == 200;
                    } catch (IOException | InterruptedException e) {
                        return false;
                    }
                });
                HttpResponse<String> published = publish(a.port(), "news", "back");
                assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
                assertThat(TestServer.json(published.body()).get("offset").asLong()).isEqualTo(1);
            }
        }
    }
}
