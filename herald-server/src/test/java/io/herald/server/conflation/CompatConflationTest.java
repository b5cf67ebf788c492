package io.herald.server.conflation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.core.Disconnect;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Conflation (docs/protocol.md, "Conflation") on SockJS and Socket.IO, whose messages are the
 * envelopes and so can say {@code "conflated":n}: a session over polling whose client does not
 * poll for a while is a slow reader; its queued publications with a key are replaced by newer
 * ones, it stays connected, and once it polls again it gets the latest value of every key with
 * counts that add up to what was published.
 */
class CompatConflationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] KEYS = {"HRLD", "ACME", "GLBX", "UMBR", "WNKA", "TYRL"};
    private static final String PAD = "x".repeat(300);

    private static TestServer start() {
        // pings far apart: the Socket.IO client here answers none while it does not poll
        return TestServer.start(cfg -> cfg.writeStallTimeout(Duration.ofMinutes(2)).heartbeat(Duration.ofMinutes(2))
                .node(NodeConfig.builder().maxPayloadBytes(1024).queueMaxBytes(32 * 1024)
                        .namespace("tick", NamespaceOptions.builder().conflation(true).build()).build()));
    }

    private static Publication publish(TestServer t, long i, String key) {
        return t.server().node().publish("tick:q", null, Payload.json("{\"i\":" + i + ",\"pad\":\"" + PAD + "\"}"), null, key)
                .join();
    }

    /**
     * Publishes with keys while the client reads nothing, until {@code transport}'s sessions had
     * 1,000 publications conflated; then reads with {@code poll} until the last one arrives and
     * checks what came ({@link ConflationTest#assertConflatedAsPublished}).
     */
    private static void slowReaderGetsTheLatestPerKey(TestServer t, String transport, Supplier<List<JsonNode>> poll) {
        Map<String, Integer> published = new HashMap<>();
        Map<String, Long> lastOffset = new HashMap<>();
        long i = 0;
        while (t.server().node().transportStats().of(transport).conflated() < 1000) {
            assertThat(i).as("publications before conflation shows").isLessThan(50_000);
            String key = KEYS[(int) (i % KEYS.length)];
            Publication p = publish(t, i++, key);
            published.merge(key, 1, Integer::sum);
            lastOffset.put(key, p.offset());
        }
        assertThat(t.server().node().disconnectCounts().getOrDefault(Disconnect.SLOW, 0L)).isZero();
        assertThat(t.server().node().sessionCount()).as("the slow session is still there").isEqualTo(1);
        long top = i;
        List<JsonNode> got = new ArrayList<>();
        TestServer.await("the last publication arrives", Duration.ofSeconds(30), () -> {
            got.addAll(poll.get());
            return !got.isEmpty() && got.get(got.size() - 1).path("data").path("i").asLong() == top - 1;
        });
        ConflationTest.assertConflatedAsPublished(got, published, lastOffset, top);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    @Test
    void aSockJsSessionThatDoesNotPollGetsTheLatestValuePerKey() throws Exception {
        try (TestServer t = start()) {
            String s = "/sockjs/000/" + UUID.randomUUID();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            String subscribe = JSON.writeValueAsString(List.of("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"tick:q\"}"));
            assertThat(t.post(s + "/xhr_send", subscribe, "text/plain").statusCode()).isEqualTo(204);
            TestServer.await("subscribed", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == 1);
            slowReaderGetsTheLatestPerKey(t, "sockjs", () -> {
                List<JsonNode> envelopes = new ArrayList<>();
                String frame = t.post(s + "/xhr", "", null).body().stripTrailing();
                if (frame.startsWith("a[")) {
                    for (JsonNode m : json(frame.substring(1))) {
                        JsonNode message = json(m.textValue());
                        if (message.has("offset")) { // an envelope, not the subscribe reply
                            envelopes.add(message);
                        }
                    }
                }
                return envelopes;
            });
        }
    }

    @Test
    void aSocketIoSocketThatDoesNotPollGetsTheLatestValuePerKey() {
        try (TestServer t = start()) {
            String sid = json(t.get("/socket.io/?EIO=4&transport=polling").body().substring(1)).path("sid").asText();
            String url = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
            assertThat(t.post(url, "40", "text/plain").statusCode()).isEqualTo(200);
            assertThat(t.get(url).body()).startsWith("40{");
            assertThat(t.post(url, "42[\"subscribe\",{\"channel\":\"tick:q\"}]", "text/plain").statusCode()).isEqualTo(200);
            TestServer.await("subscribed", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == 1);
            slowReaderGetsTheLatestPerKey(t, "socket.io", () -> {
                List<JsonNode> envelopes = new ArrayList<>();
                HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri(url)).timeout(Duration.ofSeconds(20)).GET().build());
                assertThat(r.statusCode()).isEqualTo(200);
                for (String packet : r.body().split("\u001e")) {
                    if (packet.startsWith("42[\"publication\"")) {
                        envelopes.add(json(packet.substring(2)).get(1));
                    } else if (packet.equals("2")) {
                        t.post(url, "3", "text/plain"); // a ping: the pong
                    }
                }
                return envelopes;
            });
            assertThat(t.post(url, "1", "text/plain").statusCode()).isEqualTo(200); // the client closes
        }
    }
}
