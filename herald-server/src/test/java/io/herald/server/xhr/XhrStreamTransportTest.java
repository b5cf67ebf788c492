package io.herald.server.xhr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.BackgroundPublisher;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class XhrStreamTransportTest {

    @Test
    void streamsOneEnvelopePerLineWithExactWireBytes() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<InputStream> r = t.stream("/stream/demo");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/x-ndjson; charset=utf-8");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
            assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
            InputStream in = r.body();
            String prelude = " ".repeat(2048) + "\n";
            assertThat(readExactly(in, prelude.length())).isEqualTo(prelude);
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);

            Publication p1 = t.server().publish("demo", null, Payload.text("hello")).join();
            Publication p2 = t.server().publish("demo", "userlogin", Payload.json("{\"username\": \"John123\"}")).join();
            Publication p3 = t.server().publish("demo", null, Payload.text("a\nb \"q\" é")).join();
            Publication p4 = t.server().publish("demo", null, Payload.binary(new byte[] {0, 1, 2, (byte) 255})).join();

            String expected = envelope(p1, "\"data\":\"hello\"") + "\n"
                    + envelope(p2, "\"data\":{\"username\":\"John123\"}") + "\n"
                    + envelope(p3, "\"data\":\"a\\nb \\\"q\\\" é\"") + "\n"
                    + envelope(p4, "\"data_b64\":\"AAEC/w==\"") + "\n";
            assertThat(readExactly(in, expected.getBytes(StandardCharsets.UTF_8).length)).isEqualTo(expected);
            assertThat(p2.event()).isEqualTo("userlogin");
            in.close();
        }
    }

    @Test
    void sendsNewlineHeartbeats() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.heartbeat(Duration.ofMillis(200)).paddingBytes(8))) {
            try (BufferedReader reader = lines(t.stream("/stream/beat").body())) {
                assertThat(reader.readLine()).isEqualTo("        ");
                assertThat(reader.readLine()).isEmpty();
                assertThat(reader.readLine()).isEmpty();
            }
        }
    }

    @Test
    void resumesWithSinceWithNoLossAndNoDuplicateWhilePublishing() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.paddingBytes(16))) {
            String last = t.publish("resume", "start").get("id").asText();
            List<String> received = new ArrayList<>();
            int connections = 0;
            try (BackgroundPublisher publisher = BackgroundPublisher.start(t.server(), "resume", "m", 300)) {
                while (received.size() < 300) {
                    connections++;
                    try (BufferedReader reader = lines(t.stream("/stream/resume?since=" + last).body())) {
                        assertThat(reader.readLine()).isBlank();
                        int take = ThreadLocalRandom.current().nextInt(1, 40);
                        for (int i = 0; i < take && received.size() < 300; i++) {
                            String line = reader.readLine();
                            if (line.isEmpty()) {
                                continue; // heartbeat
                            }
                            JsonNode envelope = TestServer.json(line);
                            assertThat(envelope.has("reset")).as("no reset on resume: %s", line).isFalse();
                            received.add(envelope.get("data").asText());
                            last = envelope.get("id").asText();
                        }
                    }
                }
                publisher.join();
            }
            assertThat(received).containsExactlyElementsOf(expected(300));
            assertThat(connections).isGreaterThan(2);
        }
    }

    @Test
    void announcesResetWhenSinceIsOfAnotherEpoch() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.paddingBytes(4))) {
            String id = t.publish("epochs", "one").get("id").asText();
            try (BufferedReader reader = lines(t.stream("/stream/epochs?since=zzzzzz-3").body())) {
                assertThat(reader.readLine()).isEqualTo("    ");
                assertThat(reader.readLine()).isEqualTo("{\"reset\":true,\"channel\":\"epochs\",\"id\":\"" + id + "\"}");
                t.publish("epochs", "two");
                assertThat(TestServer.json(reader.readLine()).get("data").asText()).isEqualTo("two");
            }
        }
    }

    @Test
    void announcesResetWhenSinceIsOlderThanHistory() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.paddingBytes(4).node(NodeConfig.builder()
                .defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build()))) {
            String id = null;
            for (int i = 1; i <= 20; i++) {
                id = t.publish("old", "m" + i).get("id").asText();
            }
            String epoch = id.substring(0, id.lastIndexOf('-'));
            try (BufferedReader reader = lines(t.stream("/stream/old?since=" + epoch + "-2").body())) {
                reader.readLine();
                assertThat(reader.readLine()).isEqualTo("{\"reset\":true,\"channel\":\"old\",\"id\":\"" + epoch + "-20\"}");
                t.publish("old", "m21");
                assertThat(TestServer.json(reader.readLine()).get("data").asText()).isEqualTo("m21");
            }
            try (BufferedReader reader = lines(t.stream("/stream/old?since=" + epoch + "-17").body())) {
                reader.readLine();
                for (String data : List.of("m18", "m19", "m20", "m21")) {
                    assertThat(TestServer.json(reader.readLine()).get("data").asText()).isEqualTo(data);
                }
            }
        }
    }

    @Test
    void saysGoodbyeWithReconnectAdviceOnShutdown() throws Exception {
        TestServer t = TestServer.start(cfg -> cfg.paddingBytes(4));
        try (t; BufferedReader reader = lines(t.stream("/stream/bye").body())) {
            reader.readLine();
            TestServer.await("subscribed", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            t.shutdownWithClientsConnected();
            assertThat(reader.readLine()).isEqualTo("{\"disconnect\":{\"code\":1001,\"reason\":\"shutdown\",\"reconnect\":true}}");
            assertThat(reader.readLine()).isNull();
        }
    }

    @Test
    void rejectsAMalformedSince() {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.get("/stream/demo?since=nope");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_since");
        }
    }

    private static String envelope(Publication p, String data) {
        return "{\"channel\":\"" + p.channel() + "\",\"id\":\"" + p.id() + "\",\"offset\":" + p.offset()
                + ",\"epoch\":\"" + p.epoch() + "\",\"event\":\"" + p.event() + "\"," + data + ",\"time\":" + p.time() + "}";
    }

    private static List<String> expected(int n) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add("m" + i);
        }
        return all;
    }

    private static BufferedReader lines(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static String readExactly(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
