package io.herald.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.testing.BackgroundPublisher;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.transport.MultiChannelClient.Item;
import io.herald.server.transport.MultiChannelClient.Pub;
import io.herald.server.transport.MultiChannelClient.Reset;
import io.herald.server.transport.MultiChannelClient.Start;
import io.herald.server.transport.MultiChannelClient.Technique;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The multi-channel endpoints on every HTTP technique (docs/protocol.md, "Several channels on one
 * request"), over real sockets: interleaved publications of three channels on one response, resume
 * from the cursor with nothing lost or twice, the start cursor, per-channel resets, hostile input,
 * access control per channel.
 */
@Timeout(90)
class MultiChannelTest {
    private static final List<String> ABC = List.of("ma", "mb", "mc");
    private static final TestCertificate CERTIFICATE;

    static {
        try {
            CERTIFICATE = TestCertificate.create(java.nio.file.Files.createTempDirectory("herald-h2-multi"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Technique.class)
    void interleavedPublicationsOfThreeChannelsArriveOnOneResponseInOrderPerChannel(Technique technique) throws Exception {
        try (TestServer t = TestServer.start();
             MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, null)) {
            client.awaitStart();
            assertThat(t.server().node().sessionCount()).as("one session").isLessThanOrEqualTo(1);
            Map<String, List<String>> published = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                for (String c : ABC) {
                    t.publish(c, c + "-" + i);
                    published.computeIfAbsent(c, k -> new ArrayList<>()).add(c + "-" + i);
                }
            }
            Map<String, List<Pub>> received = read(client, 30);
            for (String c : ABC) {
                assertThat(received.get(c)).extracting(Pub::data).containsExactlyElementsOf(published.get(c));
                assertThat(received.get(c)).extracting(Pub::id).isSortedAccordingTo(MultiChannelTest::byOffset);
            }
        }
    }

    /**
     * Over HTTP/2 (TLS, ALPN h2; docs/protocol.md, "TLS and HTTP/2") the streams have no chunked
     * codec: the shared event bytes and the session's id line go out unframed, as DATA frames.
     */
    @ParameterizedTest
    @EnumSource(value = Technique.class, names = {"SSE", "XHR", "IFRAME"})
    void overHttp2TheStreamsCarryThreeChannelsAndResumeFromTheCursor(Technique technique) throws Exception {
        try (TestServer t = TestServer.startTls(CERTIFICATE, HttpClient.Version.HTTP_2, cfg -> { })) {
            String cursor;
            try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, null)) {
                client.awaitStart();
                for (String c : ABC) {
                    t.publish(c, c + "-1");
                }
                Map<String, List<Pub>> got = read(client, 3);
                for (String c : ABC) {
                    assertThat(got.get(c)).extracting(Pub::data).containsExactly(c + "-1");
                }
                cursor = client.cursor();
            }
            for (String c : ABC) {
                t.publish(c, c + "-2");
            }
            try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, cursor)) {
                Map<String, List<Pub>> got = read(client, 3);
                for (String c : ABC) {
                    assertThat(got.get(c)).extracting(Pub::data).containsExactly(c + "-2");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Technique.class)
    void resumingFromTheCursorWhilePublishingLosesNothingAndRepeatsNothing(Technique technique) throws Exception {
        try (TestServer t = TestServer.start()) {
            String cursor;
            try (MultiChannelClient first = MultiChannelClient.open(t, technique, ABC, null)) {
                cursor = first.awaitStart();
            }
            assertThat(cursor.split(",", -1)).as("every entry filled: %s", cursor).allMatch(e -> e.matches("[a-z0-9]+-\\d+"));
            List<BackgroundPublisher> publishers = new ArrayList<>();
            Map<String, List<String>> received = new HashMap<>();
            try {
                for (String c : ABC) {
                    publishers.add(BackgroundPublisher.start(t.server(), c, c + "-", 60));
                }
                int total = 0;
                for (int round = 0; total < 180; round++) {
                    try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, cursor)) {
                        // Read a few, then drop the connection mid-stream (the last round reads to the end).
                        int quota = round < 4 ? 15 : Integer.MAX_VALUE;
                        for (int n = 0; n < quota && total < 180; ) {
                            Item item = client.next();
                            assertThat(item).as("stream ended at %d", total).isNotNull();
                            assertThat(item).as("no reset").isNotInstanceOf(Reset.class);
                            if (item instanceof Pub p) {
                                received.computeIfAbsent(p.channel(), k -> new ArrayList<>()).add(p.data());
                                n++;
                                total++;
                            }
                        }
                        cursor = client.cursor();
                    }
                }
                for (BackgroundPublisher p : publishers) {
                    p.join();
                }
            } finally {
                for (BackgroundPublisher p : publishers) {
                    p.close();
                }
            }
            for (int i = 0; i < ABC.size(); i++) {
                assertThat(received.get(ABC.get(i))).as(ABC.get(i)).containsExactlyElementsOf(publishers.get(i).expected());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Technique.class)
    void aChannelGivenWithoutAPositionLosesNothingAcrossAReconnectThanksToTheStartCursor(Technique technique) throws Exception {
        try (TestServer t = TestServer.start()) {
            t.publish("mb", "old");
            String cursor;
            try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, null)) {
                cursor = client.awaitStart();
                t.publish("ma", "a1");
                assertThat(nextPub(client).data()).isEqualTo("a1");
                cursor = client.cursor();
            }
            // Published while no connection is open: only the start cursor knows where mb and mc were.
            t.publish("mb", "b1");
            t.publish("mc", "c1");
            try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, cursor)) {
                Map<String, List<Pub>> got = read(client, 2);
                assertThat(got.get("mb")).extracting(Pub::data).containsExactly("b1");
                assertThat(got.get("mc")).extracting(Pub::data).containsExactly("c1");
                t.publish("ma", "a2");
                assertThat(nextPub(client).data()).as("a1 not again").isEqualTo("a2");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Technique.class)
    void aPositionTrimmedOutOfHistoryResetsThatChannelAndTheOthersResume(Technique technique) throws Exception {
        NodeConfig fiveKept = NodeConfig.builder().defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build();
        try (TestServer t = TestServer.start(cfg -> cfg.node(fiveKept))) {
            String a1 = t.publish("ma", "a1").get("id").asText();
            t.publish("ma", "a2");
            String b1 = t.publish("mb", "b1").get("id").asText();
            String bTop = b1;
            for (int i = 2; i <= 20; i++) {
                bTop = t.publish("mb", "b" + i).get("id").asText();
            }
            t.publish("mc", "c-old");
            try (MultiChannelClient client = MultiChannelClient.open(t, technique, ABC, a1 + "," + b1 + ",")) {
                List<Item> items = new ArrayList<>();
                for (Item item; !((item = client.next()) instanceof Start); ) {
                    items.add(item);
                }
                assertThat(items).filteredOn(Reset.class::isInstance).containsExactly(new Reset("mb", bTop));
                assertThat(items).noneMatch(i -> i instanceof Pub p && p.channel().equals("mb"));
                assertThat(items).filteredOn(i -> i instanceof Pub p && !p.channel().equals("mb"))
                        .extracting(i -> ((Pub) i).data()).containsExactly("a2");
                t.publish("ma", "a3");
                t.publish("mb", "b21");
                t.publish("mc", "c1");
                Map<String, List<Pub>> after = read(client, 3);
                assertThat(after.get("ma")).extracting(Pub::data).containsExactly("a3");
                assertThat(after.get("mb")).extracting(Pub::data).containsExactly("b21");
                assertThat(after.get("mc")).extracting(Pub::data).containsExactly("c1");
            }
        }
    }

    @Test
    void sseWritesTheEnvelopeOnceAndTheCursorPerSession() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.sseRetry(Duration.ofMillis(1500)))) {
            String top = t.publish("mb", "before").get("id").asText();
            HttpResponse<InputStream> r = t.stream("/sse?channel=ma&channel=mb");
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            InputStream in = r.body();
            assertThat(readExactly(in, "retry: 1500\n\n".length())).isEqualTo("retry: 1500\n\n");
            String start = readUntil(in, "\n\n");
            // The start cursor: an event of only an id line; ma (empty channel) at EPOCH-0, mb at its top.
            assertThat(start).matches("id: [a-z0-9]+-0," + top + "\n\n");
            String id = t.publish("ma", "{\"x\":1}", "application/json", "tick").get("id").asText();
            String envelope = t.get("/history/ma").body();
            String env = TestServer.json(envelope).get("messages").get(0).toString();
            String expected = "event: tick\ndata: " + env + "\nid: " + id + "," + top + "\n\n";
            assertThat(readExactly(in, expected.getBytes(StandardCharsets.UTF_8).length)).isEqualTo(expected);
            in.close();
        }
    }

    @Test
    void hostileInputGetsItsDocumentedErrorAndStartsNothing() throws Exception {
        try (TestServer t = TestServer.start()) {
            String two = "channel=ma&channel=mb";
            String long3392 = "a".repeat(32) + "-" + "1".repeat(19);
            StringBuilder tooLong = new StringBuilder();
            while (tooLong.length() <= 3391) {
                tooLong.append(tooLong.length() == 0 ? "" : ",").append(long3392);
            }
            StringBuilder sixtyFive = new StringBuilder();
            for (int i = 0; i < 65; i++) {
                sixtyFive.append(i == 0 ? "" : "&").append("channel=c").append(i);
            }
            Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put(two + "&since=abc-1", "invalid_since");
            cases.put(two + "&since=abc-1,abc-2,abc-3", "invalid_since");
            cases.put(two + "&since=abc-1,ABC-2", "invalid_since");
            cases.put(two + "&since=abc-1,abc-", "invalid_since");
            cases.put(two + "&since=abc-1,abc-99999999999999999999", "invalid_since");
            cases.put(two + "&since=abc-1;abc-2", "invalid_since");
            cases.put(two + "&since=" + tooLong, "invalid_since");
            cases.put(sixtyFive.toString(), "invalid_parameter");
            cases.put("channel=ma&channel=mb&channel=ma", "invalid_parameter");
            cases.put("channel=ma&channel=a%20b", "invalid_channel");
            cases.put("channel=ma&channel=", "invalid_channel");
            for (Technique technique : Technique.values()) {
                for (Map.Entry<String, String> c : cases.entrySet()) {
                    HttpResponse<String> r = t.get(technique.path + "?" + c.getKey());
                    assertThat(r.statusCode()).as("%s ?%s: %s", technique, c.getKey(), r.body()).isEqualTo(400);
                    assertThat(TestServer.json(r.body()).get("error").get("code").asText()).as("%s ?%s", technique, c.getKey())
                            .isEqualTo(c.getValue());
                }
                assertThat(t.get(technique.path).statusCode()).as("no channel: as before").isEqualTo(404);
                assertThat(t.get(technique.path + "?since=x-1").statusCode()).isEqualTo(404);
            }
            // As a browser sends it: the Last-Event-ID header.
            HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/sse?" + two)).header("Last-Event-ID", "abc-1")
                    .GET().build());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("invalid_since");
            assertThat(t.get("/sse?" + two + "&format=raw").statusCode()).isEqualTo(400);
            assertThat(t.server().node().sessionCount()).isZero();
        }
    }

    @Test
    void aForbiddenChannelAmongAllowedOnesRefusesTheWholeRequest() throws Exception {
        TestTokens tokens = TestTokens.create();
        try (TestServer t = tokens.start()) {
            String token = tokens.token("alice", "subscribe", "doc:1");
            for (Technique technique : Technique.values()) {
                String path = technique.path + "?channel=demo:a&channel=doc:2&channel=doc:1";
                HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri(path))
                        .header("Authorization", "Bearer " + token).GET().build());
                assertThat(r.statusCode()).as("%s %s", technique, r.body()).isEqualTo(403);
                assertThat(r.body()).contains("forbidden").contains("doc:2");
                HttpResponse<String> anonymous = t.get(technique.path + "?channel=demo:a&channel=doc:1");
                assertThat(anonymous.statusCode()).as("%s anonymous", technique).isEqualTo(401);
            }
            assertThat(t.server().node().sessionCount()).isZero();
            // Allowed channels only: served.
            HttpResponse<String> ok = t.send(HttpRequest.newBuilder(t.uri("/poll?channel=demo:a&channel=doc:1"))
                    .header("Authorization", "Bearer " + token).GET().build());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
    }

    private static Map<String, List<Pub>> read(MultiChannelClient client, int count) throws Exception {
        Map<String, List<Pub>> received = new HashMap<>();
        for (int n = 0; n < count; ) {
            Item item = client.next();
            assertThat(item).as("stream ended after %d of %d", n, count).isNotNull();
            assertThat(item).isNotInstanceOf(Reset.class);
            if (item instanceof Pub p) {
                received.computeIfAbsent(p.channel(), k -> new ArrayList<>()).add(p);
                n++;
            }
        }
        return received;
    }

    private static Pub nextPub(MultiChannelClient client) throws Exception {
        for (Item item; (item = client.next()) != null; ) {
            if (item instanceof Pub p) {
                return p;
            }
            assertThat(item).isInstanceOf(Start.class);
        }
        throw new AssertionError("ended");
    }

    private static int byOffset(String a, String b) {
        return Long.compare(Long.parseLong(a.substring(a.lastIndexOf('-') + 1)), Long.parseLong(b.substring(b.lastIndexOf('-') + 1)));
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        StringBuilder b = new StringBuilder();
        while (b.indexOf(end) < 0) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static String readExactly(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
