package io.herald.server.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.core.Disconnect;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SockJS on {@code /sockjs} and the conformance services, written from the SockJS protocol
 * (docs/protocol.md, "SockJS") against real sockets: each transport's framing carrying Herald's
 * commands, replies and publications with {@code since} resume; heartbeats, session timeouts,
 * {@code JSESSIONID}, close frames; bad input answered as the protocol says and harming no one else.
 */
@Timeout(60)
class SockJsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String session() {
        return "/sockjs/000/" + UUID.randomUUID();
    }

    /** A body of SockJS messages: a JSON array of strings. */
    private static String messages(String... texts) {
        try {
            return JSON.writeValueAsString(List.of(texts));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The messages of an {@code a[...]} frame, each parsed as the JSON text it holds. */
    private static List<JsonNode> frameMessages(String frame) {
        assertThat(frame).startsWith("a[");
        List<JsonNode> out = new ArrayList<>();
        try {
            for (JsonNode m : JSON.readTree(frame.substring(1))) {
                out.add(JSON.readTree(m.textValue()));
            }
        } catch (IOException e) {
            throw new AssertionError("not a frame of JSON messages: " + frame, e);
        }
        return out;
    }

    /** Polls {@code xhr} until {@code count} messages came (skipping heartbeats), within 10 s. */
    private static List<JsonNode> pollMessages(TestServer t, String session, int count) {
        List<JsonNode> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            HttpResponse<String> r = t.post(session + "/xhr", "", null);
            assertThat(r.statusCode()).isEqualTo(200);
            String frame = r.body().stripTrailing();
            if (!frame.equals("h")) {
                got.addAll(frameMessages(frame));
            }
        }
        assertThat(got).hasSizeGreaterThanOrEqualTo(count);
        return got;
    }

    private static void send(TestServer t, String session, String... commands) {
        HttpResponse<String> r = t.post(session + "/xhr_send", messages(commands), "text/plain");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    @Test
    void conformanceServicesExistOnlyWithTheSwitch() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.get("/echo").statusCode()).isEqualTo(404);
            assertThat(t.get("/close/info").statusCode()).isEqualTo(404);
            assertThat(t.get("/cookie_needed_echo/info").statusCode()).isEqualTo(404);
            assertThat(t.get("/disabled_websocket_echo").statusCode()).isEqualTo(404);
            HttpResponse<String> greeting = t.get("/sockjs");
            assertThat(greeting.statusCode()).isEqualTo(200);
            assertThat(greeting.body()).isEqualTo("Welcome to SockJS!\n");
            JsonNode info = TestServer.json(t.get("/sockjs/info").body());
            assertThat(info.get("websocket").asBoolean()).isTrue();
            assertThat(info.get("cookie_needed").asBoolean()).isFalse();
            assertThat(info.get("origins").get(0).asText()).isEqualTo("*:*");
        }
        try (TestServer t = TestServer.start(c -> c.conformance(true))) {
            assertThat(t.get("/echo").body()).isEqualTo("Welcome to SockJS!\n");
            assertThat(TestServer.json(t.get("/disabled_websocket_echo/info").body()).get("websocket").asBoolean()).isFalse();
            assertThat(t.get("/disabled_websocket_echo/0/0/websocket").statusCode()).isEqualTo(404);
        }
    }

    /** Herald's commands over xhr polling: subscribe, the reply, publications in order, and a second session resuming with since. */
    @Test
    void xhrPollingSubscribesReceivesPublicationsAndResumesWithSince() {
        try (TestServer t = TestServer.start()) {
            String s1 = session();
            assertThat(t.post(s1 + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, s1, "{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:a\"}");
            JsonNode reply = pollMessages(t, s1, 1).get(0);
            assertThat(reply.get("id").asInt()).isEqualTo(1);
            assertThat(reply.get("ok").asBoolean()).isTrue();
            assertThat(reply.get("channel").asText()).isEqualTo("sj:a");

            JsonNode first = t.publish("sj:a", "one");
            t.publish("sj:a", "two");
            t.publish("sj:a", "three");
            List<JsonNode> pushes = pollMessages(t, s1, 3);
            assertThat(pushes).extracting(p -> p.get("data").asText()).containsExactly("one", "two", "three");
            assertThat(pushes).extracting(p -> p.get("offset").asLong()).containsExactly(1L, 2L, 3L);

            // A new session resumes after the first publication: two and three, in order, nothing twice.
            String s2 = session();
            assertThat(t.post(s2 + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, s2, "{\"id\":7,\"op\":\"subscribe\",\"channel\":\"sj:a\",\"since\":\"" + first.get("id").asText() + "\"}");
            List<JsonNode> resumed = pollMessages(t, s2, 3);
            assertThat(resumed.get(0).get("id").asInt()).isEqualTo(7);
            assertThat(resumed.get(0).get("recovered").asInt()).isEqualTo(2);
            assertThat(resumed.subList(1, 3)).extracting(p -> p.get("data").asText()).containsExactly("two", "three");

            // publish and ping commands get their replies
            send(t, s2, "{\"id\":8,\"op\":\"publish\",\"channel\":\"sj:a\",\"data\":\"four\"}", "{\"id\":9,\"op\":\"ping\"}");
            List<JsonNode> more = pollMessages(t, s2, 3);
            assertThat(more).anySatisfy(m -> assertThat(m.path("id").asInt()).isEqualTo(8));
            assertThat(more).anySatisfy(m -> assertThat(m.toString()).isEqualTo("{\"id\":9,\"ok\":true}"));
            assertThat(more).anySatisfy(m -> assertThat(m.path("data").asText()).isEqualTo("four"));
        }
    }

    /**
     * The streaming transports and JSONP polling: each one's prelude and framing, carrying the
     * subscribe reply and a publication resumed with since and one published live.
     */
    @ParameterizedTest
    @ValueSource(strings = {"xhr_streaming", "eventsource", "htmlfile", "jsonp"})
    void eachHttpTransportFramesRepliesAndPublications(String transport) throws Exception {
        try (TestServer t = TestServer.start()) {
            JsonNode before = t.publish("sj:t", "before");
            t.publish("sj:t", "missed");
            String s = session();
            String path = s + "/" + transport + (transport.equals("htmlfile") || transport.equals("jsonp") ? "?c=cb" : "");
            if (transport.equals("jsonp")) {
                HttpResponse<String> open = t.get(path);
                assertThat(open.body()).isEqualTo("/**/cb(\"o\");\r\n");
                assertThat(open.headers().firstValue("Content-Type").orElse("")).isEqualTo("application/javascript; charset=UTF-8");
                HttpResponse<String> sent = t.post(s + "/jsonp_send", "d=" + java.net.URLEncoder.encode(
                        messages("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:t\",\"since\":\"" + before.get("id").asText() + "\"}"),
                        StandardCharsets.UTF_8), "application/x-www-form-urlencoded");
                assertThat(sent.body()).isEqualTo("ok");
                StringBuilder got = new StringBuilder();
                TestServer.await("the reply and the missed publication", Duration.ofSeconds(10), () -> {
                    got.append(t.get(path).body());
                    return got.toString().contains("missed");
                });
                assertThat(got.toString()).startsWith("/**/cb(\"a[");
                assertThat(got.toString()).contains("\\\\\\\"recovered\\\\\\\":1"); // quoted twice: message, then frame
                return;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(t.uri(path));
            request = transport.equals("xhr_streaming") ? request.POST(HttpRequest.BodyPublishers.noBody()) : request.GET();
            HttpResponse<InputStream> stream = t.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Cache-Control").orElse(""))
                    .isEqualTo("no-store, no-cache, no-transform, must-revalidate, max-age=0");
            try (InputStream in = stream.body()) {
                Reader reader = new Reader(in);
                String open = switch (transport) {
                    case "xhr_streaming" -> "h".repeat(2048) + "\no\n";
                    case "eventsource" -> "\r\ndata: o\r\n\r\n";
                    default -> "<script>\np(\"o\");\n</script>\r\n";
                };
                reader.awaitContains(open);
                send(t, s, "{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:t\",\"since\":\"" + before.get("id").asText() + "\"}");
                reader.awaitContains("missed");
                t.publish("sj:t", "live");
                reader.awaitContains("live");
                String text = reader.text();
                switch (transport) {
                    case "xhr_streaming" -> assertThat(text).contains("\na[\"{\\\"channel\\\":\\\"sj:t\\\"").endsWith("]\n");
                    case "eventsource" -> assertThat(text).contains("\r\n\r\ndata: a[\"{\\\"channel\\\":\\\"sj:t\\\"").endsWith("]\r\n\r\n");
                    default -> assertThat(text).contains("<script>\np(\"a[\\\"{\\\\\\\"channel\\\\\\\":\\\\\\\"sj:t\\\\\\\"")
                            .endsWith("]\");\n</script>\r\n");
                }
                assertThat(text.indexOf("missed")).isLessThan(text.indexOf("live"));
            }
        }
    }

    /** Collects what a stream sends, on a thread of its own, for awaiting text in it. */
    static final class Reader {
        private final StringBuffer text = new StringBuffer();

        Reader(InputStream in) {
            Thread thread = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "sockjs-test-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitContains(String part) {
            TestServer.await("the stream to contain " + part.substring(0, Math.min(40, part.length())),
                    Duration.ofSeconds(10), () -> text.toString().contains(part));
        }

        String text() {
            return text.toString();
        }
    }

    /** SockJS over WebSocket: o, the subscribe reply and publications as a[...] text frames; resume with since. */
    @Test
    void webSocketCarriesFramesAndResumes() {
        try (TestServer t = TestServer.start()) {
            JsonNode first = t.publish("sj:w", "first");
            t.publish("sj:w", "second");
            WsClient ws = WsClient.connect(t, session() + "/websocket");
            assertThat(ws.nextText()).isEqualTo("o");
            ws.send(messages("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:w\",\"since\":\"" + first.get("id").asText() + "\"}"));
            List<JsonNode> got = new ArrayList<>();
            while (got.size() < 2) {
                got.addAll(frameMessages(ws.nextText()));
            }
            assertThat(got.get(0).get("recovered").asInt()).isEqualTo(1);
            assertThat(got.get(1).get("data").asText()).isEqualTo("second");
            t.publish("sj:w", "third");
            assertThat(frameMessages(ws.nextText()).get(0).get("data").asText()).isEqualTo("third");
            // a single JSON string is a message too
            ws.send("\"{\\\"id\\\":2,\\\"op\\\":\\\"ping\\\"}\"");
            assertThat(ws.nextText()).isEqualTo("a[\"{\\\"id\\\":2,\\\"ok\\\":true}\"]");
            ws.close();
        }
    }

    /** Bad input gets the protocol's answers (404, 500 texts, 413, a closed socket) and the other sessions go on. */
    @Test
    void badInputIsAnsweredAndHarmsNoOtherSession() {
        try (TestServer t = TestServer.start()) {
            String good = session();
            assertThat(t.post(good + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, good, "{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:b\"}");
            pollMessages(t, good, 1);

            String bad = session();
            assertThat(t.post(bad + "/xhr", "", null).body()).isEqualTo("o\n");
            HttpResponse<String> broken = t.post(bad + "/xhr_send", "[\"x", "text/plain");
            assertThat(broken.statusCode()).isEqualTo(500);
            assertThat(broken.body()).isEqualTo("Broken JSON encoding.");
            assertThat(t.post(bad + "/xhr_send", "{\"not\":\"an array\"}", "text/plain").body()).isEqualTo("Broken JSON encoding.");
            HttpResponse<String> empty = t.post(bad + "/xhr_send", "", "text/plain");
            assertThat(empty.statusCode()).isEqualTo(500);
            assertThat(empty.body()).isEqualTo("Payload expected.");
            assertThat(t.post(session() + "/xhr_send", messages("x"), "text/plain").statusCode()).isEqualTo(404);
            String huge = "x".repeat(t.server().node().config().maxPayloadBytes() * 3);
            assertThat(t.post(bad + "/xhr_send", messages(huge), "text/plain").statusCode()).isEqualTo(413);
            // a command that is no JSON is Herald's error reply, inside SockJS
            send(t, bad, "not json");
            assertThat(pollMessages(t, bad, 1).get(0).at("/error/code").asText()).isEqualTo("invalid_command");
            assertThat(t.get("/sockjs/a./b/xhr").statusCode()).isEqualTo(404);
            assertThat(t.get(good + "/xhr").statusCode()).isEqualTo(405);

            WsClient ws = WsClient.connect(t, session() + "/websocket");
            assertThat(ws.nextText()).isEqualTo("o");
            ws.send("[\"broken");
            assertThat(ws.nextClose().code()).isEqualTo(1002);
            ws.close();
            WsClient big = WsClient.connect(t, session() + "/websocket");
            assertThat(big.nextText()).isEqualTo("o");
            big.send(messages(huge)); // over the message limit: closed 1009, as /ws does
            assertThat(big.nextText()).isEqualTo("c[1009,\"Message too big\"]");
            assertThat(big.nextClose().code()).isEqualTo(1009);
            big.close();

            t.publish("sj:b", "still here");
            assertThat(pollMessages(t, good, 1).get(0).get("data").asText()).isEqualTo("still here");
        }
    }

    /** A session with no receiver ends after the disconnect delay (5 s): its core session is gone, sending to it is 404. */
    @Test
    void aSessionWithoutReceiverTimesOut() {
        try (TestServer t = TestServer.start()) {
            String s = session();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, s, "{\"id\":1,\"op\":\"subscribe\",\"channel\":\"sj:timeout\"}");
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
            long start = System.nanoTime();
            TestServer.await("the session timed out", Duration.ofSeconds(12), () -> t.server().node().sessionCount() == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(4));
            assertThat(t.post(s + "/xhr_send", messages("{\"id\":2,\"op\":\"ping\"}"), "text/plain").statusCode()).isEqualTo(404);
        }
    }

    /** A held poll is answered h at the heartbeat interval. */
    @Test
    void aHeldPollGetsAHeartbeat() {
        try (TestServer t = TestServer.start(c -> c.heartbeat(Duration.ofMillis(300)))) {
            String s = session();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("h\n");
        }
    }

    /** JSESSIONID on the cookie service; close frames on the close service, for every later request too. */
    @Test
    void jsessionidAndCloseFrames() {
        try (TestServer t = TestServer.start(c -> c.conformance(true))) {
            String s = "/cookie_needed_echo/000/" + UUID.randomUUID();
            HttpResponse<String> r = t.post(s + "/xhr", "", null);
            assertThat(r.headers().firstValue("Set-Cookie").orElse("")).isEqualTo("JSESSIONID=dummy; Path=/");
            HttpResponse<String> echoed = t.send(HttpRequest.newBuilder(t.uri("/cookie_needed_echo/000/" + UUID.randomUUID() + "/xhr"))
                    .header("Cookie", "JSESSIONID=abc").POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(echoed.headers().firstValue("Set-Cookie").orElse("")).isEqualTo("JSESSIONID=abc; Path=/");
            assertThat(t.post("/sockjs/000/" + UUID.randomUUID() + "/xhr", "", null).headers().firstValue("Set-Cookie")).isEmpty();

            String c = "/close/000/" + UUID.randomUUID();
            assertThat(t.post(c + "/xhr", "", null).body()).isEqualTo("o\n");
            assertThat(t.post(c + "/xhr", "", null).body()).isEqualTo("c[3000,\"Go away!\"]\n");
            assertThat(t.post(c + "/xhr", "", null).body()).isEqualTo("c[3000,\"Go away!\"]\n");

            String e = "/echo/000/" + UUID.randomUUID();
            assertThat(t.post(e + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, e, "\u2028x\u0000");
            assertThat(t.post(e + "/xhr", "", null).body()).isEqualTo("a[\"\\u2028x\\u0000\"]\n");
        }
    }

    /**
     * The WebSocket rate limits ({@code limits.ws.*}) apply per SockJS session with /ws's answers: a
     * publish over the publication rate is not carried out and gets {@code too_many_requests}, the
     * session stays; the ending 4429 is counted in {@code herald_disconnects_total} as on /ws.
     */
    @Test
    void aPublishOverThePublicationRateIsRefusedAsOnWs() {
        try (TestServer t = TestServer.start(c -> c.wsPublishRate(1).wsPublishBurst(1).wsCommandRate(1).wsCommandBurst(4))) {
            String s = session();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, s, "{\"id\":1,\"op\":\"publish\",\"channel\":\"r\",\"data\":1}",
                    "{\"id\":2,\"op\":\"publish\",\"channel\":\"r\",\"data\":2}");
            List<JsonNode> replies = pollMessages(t, s, 2);
            assertThat(replies.get(0).path("ok").asBoolean()).isTrue();
            assertThat(replies.get(1).path("id").asLong()).isEqualTo(2);
            assertThat(replies.get(1).path("error").path("code").asText()).isEqualTo("too_many_requests");
            assertThat(t.server().node().publishedCount()).isEqualTo(1);
            assertThat(t.admin("/metrics").body()).contains("herald_disconnects_total{reason=\"too_many_requests\"} 0.0");
            send(t, s, "{\"id\":3,\"op\":\"ping\"}", "{\"id\":4,\"op\":\"ping\"}", "{\"id\":5,\"op\":\"ping\"}",
                    "{\"id\":6,\"op\":\"ping\"}"); // 3 and 4 take the burst's last tokens, 5 and 6 are refused
            TestServer.await("the session ended 4429", Duration.ofSeconds(10),
                    () -> t.admin("/metrics").body().contains("herald_disconnects_total{reason=\"too_many_requests\"} 1.0"));
        }
    }

    /** A Herald disconnect (here the flood guard's 4429) is the goodbye message, then the close frame with the same code. */
    @Test
    void aHeraldDisconnectIsTheGoodbyeThenTheCloseFrame() {
        try (TestServer t = TestServer.start(c -> c.wsCommandRate(1).wsCommandBurst(1))) {
            WsClient ws = WsClient.connect(t, session() + "/websocket");
            assertThat(ws.nextText()).isEqualTo("o");
            for (int i = 0; i < 4; i++) {
                ws.send(messages("{\"id\":" + i + ",\"op\":\"ping\"}"));
            }
            String last = null;
            List<String> frames = new ArrayList<>();
            while (true) {
                WsClient.Frame f = ws.next();
                if (f.kind() != WsClient.Frame.Kind.TEXT) {
                    assertThat(f.code()).isEqualTo(4429);
                    break;
                }
                frames.add(f.text());
                last = f.text();
            }
            assertThat(last).startsWith("c[4429,");
            assertThat(String.join("", frames)).contains("{\\\"disconnect\\\":{\\\"code\\\":4429");
            TestServer.await("the session ended 4429", Duration.ofSeconds(5),
                    () -> t.server().node().disconnectCounts().get(Disconnect.TOO_MANY_REQUESTS) == 1);
            ws.close();
        }
    }

    /** Over polling the goodbye is a message of one poll, the close frame the answer of every later one. */
    @Test
    void aHeraldDisconnectOverPollingIsTheGoodbyeThenTheCloseFrame() {
        try (TestServer t = TestServer.start(c -> c.wsCommandRate(1).wsCommandBurst(1))) {
            String s = session();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            send(t, s, "{\"id\":1,\"op\":\"ping\"}", "{\"id\":2,\"op\":\"ping\"}", "{\"id\":3,\"op\":\"ping\"}",
                    "{\"id\":4,\"op\":\"ping\"}");
            StringBuilder polled = new StringBuilder();
            TestServer.await("the close frame", Duration.ofSeconds(10), () -> {
                polled.append(t.post(s + "/xhr", "", null).body());
                return polled.toString().contains("c[4429,");
            });
            assertThat(polled.toString()).contains("{\\\"disconnect\\\":{\\\"code\\\":4429");
            assertThat(polled.indexOf("disconnect")).isLessThan(polled.indexOf("c[4429,"));
            assertThat(t.post(s + "/xhr", "", null).body()).startsWith("c[4429,");
        }
    }
}
