package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NodeConfig;
import io.herald.server.testing.Http2Client;
import io.herald.server.testing.Http2TestClient;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on the TLS port (ALPN {@code h2}) and in cleartext with prior knowledge (h2c), with real
 * clients: java.net.http, which speaks HTTP/2, and a Netty HTTP/2 client where the frames
 * themselves matter (docs/protocol.md, "TLS and HTTP/2").
 */
class Http2Test {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static HttpResponse<String> get(Http2Client client, TestServer t, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(t.uri(path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twentySseStreamsOnOneConnectionAllReceiveTheSamePublicationsInOrder() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1, cfg -> { });
             Http2Client h2 = t.newHttp2Client()) {
            List<HttpResponse<InputStream>> streams = new ArrayList<>();
            List<SseReader> readers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<InputStream> r = h2.send(HttpRequest.newBuilder(t.uri("/sse/news")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.version()).as("stream %d's protocol", i).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
                streams.add(r);
                SseReader reader = new SseReader(r.body());
                assertThat(reader.next().retry()).as("the stream starts with retry:").isEqualTo(2000L);
                readers.add(reader);
            }
            TestServer.await("20 sessions", WAIT, () -> t.server().node().sessionCount() == 20);
            assertThat(t.server().connectionCount()).as("connections carrying the 20 streams").isEqualTo(1);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                ids.add(t.publish("news", "m" + i).get("id").asText()); // over HTTP/1.1, closed after each
            }
            for (SseReader reader : readers) {
                for (int i = 1; i <= 50; i++) {
                    SseReader.Event e = reader.next();
                    assertThat(e.data()).isEqualTo("m" + i);
                    assertThat(e.id()).isEqualTo(ids.get(i - 1));
                }
            }
            for (HttpResponse<InputStream> r : streams) {
                r.body().close(); // RST_STREAM: the stream ends, the connection stays
            }
            t.awaitNoSessions();
        }
    }

    @Test
    void everyHttpTechniqueWorksOverHttp2() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1,
                cfg -> cfg.paddingBytes(16));
             Http2Client h2 = t.newHttp2Client()) {
            // publish and history
            HttpResponse<String> pub = h2.send(HttpRequest.newBuilder(t.uri("/pub/tech?event=hello")).timeout(WAIT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pub.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(pub.statusCode()).as(pub.body()).isEqualTo(200);
            String first = TestServer.json(pub.body()).get("id").asText();
            JsonNode history = TestServer.json(get(h2, t, "/history/tech?since=" + first.replaceAll("-\\d+$", "-0")).body());
            assertThat(history.get("messages").get(0).get("data").get("n").asInt()).isEqualTo(1);
            assertThat(history.get("messages").get(0).get("event").asText()).isEqualTo("hello");
            // short polling
            JsonNode poll = TestServer.json(get(h2, t, "/poll/tech?since=" + first.replaceAll("-\\d+$", "-0")).body());
            assertThat(poll.get("messages").get(0).get("id").asText()).isEqualTo(first);
            // long polling, held until the next publication
            var held = h2.sendAsync(HttpRequest.newBuilder(t.uri("/longpoll/tech?since=" + first)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            TestServer.await("the long poll held", WAIT, () -> t.server().node().sessionCount() == 1);
            t.publish("tech", "second");
            HttpResponse<String> longPoll = held.get(10, TimeUnit.SECONDS);
            assertThat(longPoll.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(TestServer.json(longPoll.body()).get("messages").get(0).get("data").asText()).isEqualTo("second");
            // XHR streaming and the iframe: the prelude, then one line per publication
            HttpResponse<InputStream> xhr = h2.send(HttpRequest.newBuilder(t.uri("/stream/tech")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> iframe = h2.send(HttpRequest.newBuilder(t.uri("/iframe/tech?callback=cb")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(xhr.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(iframe.version()).isEqualTo(HttpClient.Version.HTTP_2);
            TestServer.await("two streams", WAIT, () -> t.server().node().sessionCount() == 2);
            t.publish("tech", "third");
            assertThat(readLine(xhr.body())).isEqualTo(" ".repeat(16));
            assertThat(TestServer.json(readLine(xhr.body())).get("data").asText()).isEqualTo("third");
            assertThat(readLine(iframe.body())).endsWith("<!--" + " ".repeat(16) + "-->");
            assertThat(readLine(iframe.body())).startsWith("<script>parent.cb({").contains("\"data\":\"third\"");
            xhr.body().close();
            iframe.body().close();
            // the static files and herald.js
            HttpResponse<String> js = get(h2, t, "/herald.js");
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.body()).contains("Herald");
            assertThat(get(h2, t, "/").body()).contains("/sse/");
            // WebSocket is HTTP/1.1 only: a GET of /ws on a stream is no upgrade
            HttpResponse<String> ws = get(h2, t, "/ws");
            assertThat(ws.statusCode()).isEqualTo(400);
            assertThat(ws.body()).contains("invalid_parameter");
            t.awaitNoSessions();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new AssertionError("stream ended in a line: " + line);
            }
            line.append((char) b);
        }
        return line.toString();
    }

    /** RFC 9113, section 8.2.2: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade. */
    private static final List<String> CONNECTION_SPECIFIC = List.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade");

    @Test
    void responsesCarryNoConnectionSpecificHeaderAndWebSocketIsNotOffered() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1, cfg -> { });
             Http2TestClient client = Http2TestClient.tls(t)) {
            Http2Settings settings = client.settings.get(5, TimeUnit.SECONDS);
            assertThat(settings.connectProtocolEnabled()).as("SETTINGS_ENABLE_CONNECT_PROTOCOL (WebSocket over HTTP/2)").isNull();
            assertThat(settings.maxConcurrentStreams()).isEqualTo((long) HttpInitializer.MAX_CONCURRENT_STREAMS);
            String id = t.publish("hdr", "x").get("id").asText();
            List<String> paths = List.of("/sse/hdr", "/stream/hdr", "/iframe/hdr?callback=cb", "/longpoll/hdr?timeout=1",
                    "/poll/hdr?since=" + id, "/history/hdr", "/herald.js", "/", "/nowhere", "/sse/bad%20name",
                    "/ws/hdr");
            for (String path : paths) {
                Http2TestClient.Stream s = client.get(path);
                Http2Headers head = s.head(WAIT);
                assertThat(head.status()).as("%s status", path).isNotNull();
                for (String name : CONNECTION_SPECIFIC) {
                    assertThat(head.contains(name)).as("%s has %s: %s", path, name, head).isFalse();
                }
                s.channel().close();
            }
            Http2TestClient.Stream pub = client.request(client.headers("POST", "/pub/hdr")
                    .set("content-type", "text/plain"), false, true);
            pub.channel().writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(
                    io.netty.buffer.Unpooled.copiedBuffer("body", StandardCharsets.UTF_8), true)).sync();
            Http2Headers head = pub.head(WAIT);
            assertThat(head.status().toString()).isEqualTo("200");
            for (String name : CONNECTION_SPECIFIC) {
                assertThat(head.contains(name)).as("POST /pub has %s", name).isFalse();
            }
            pub.ended.get(5, TimeUnit.SECONDS);
            client.close();
            t.awaitNoSessions();
        }
    }

    @Test
    void withH2cACleartextConnectionStartingWithThePrefaceSpeaksHttp2AndOthersHttp11() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.h2c(true));
             Http2TestClient client = Http2TestClient.priorKnowledge(t)) {
            client.settings.get(5, TimeUnit.SECONDS);
            String id = t.publish("plain", "over h1").get("id").asText(); // HTTP/1.1 on the same port
            Http2TestClient.Stream s = client.get("/history/plain");
            assertThat(s.head(WAIT).status().toString()).isEqualTo("200");
            assertThat(s.readUntil(id, WAIT)).contains("over h1");
            Http2TestClient.Stream sse = client.get("/sse/plain");
            assertThat(sse.head(WAIT).get("content-type").toString()).startsWith("text/event-stream");
            TestServer.await("the stream's session", WAIT, () -> t.server().node().sessionCount() == 1);
            t.publish("plain", "live");
            assertThat(sse.readUntil("data: live\n\n", WAIT)).contains("retry: 2000");
            client.close();
            t.awaitNoSessions();
        }
    }

    @Test
    void withoutH2cTheHttp2PrefaceIsNotHttp() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", t.port())) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = socket.getInputStream().readNBytes(12);
                assertThat(new String(answer, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT))
                        .as("HTTP/1.1's answer to a request line it cannot serve").startsWith("http/1.1 4");
            }
        }
    }

    @Test
    void theConnectionLimitClosesAnHttp2ConnectionBeyondIt() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1,
                cfg -> cfg.maxConnections(1));
             Http2TestClient first = Http2TestClient.tls(t);
             Http2TestClient second = Http2TestClient.tls(t)) {
            Http2TestClient.Stream s = second.get("/history/limit");
            assertThat(s.head(WAIT).status().toString()).isEqualTo("429");
            assertThat(second.channel().closeFuture().await(5, TimeUnit.SECONDS)).as("the connection beyond the limit closed").isTrue();
            first.close();
        }
    }

    @Test
    void aStreamThatStopsReadingIsCutAsSlowWhileItsConnectionsOtherStreamKeepsReceiving() throws Exception {
        NodeConfig small = NodeConfig.builder().maxPayloadBytes(2048).queueMaxBytes(8192).build();
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1, cfg -> cfg.node(small));
             Http2TestClient client = Http2TestClient.tls(t, 1 << 24)) {
            // Both on one connection; the stalled one returns no flow-control credit (no WINDOW_UPDATE).
            Http2TestClient.Stream stalled = client.request(client.headers("GET", "/sse/flow"), true, false);
            Http2TestClient.Stream reading = client.get("/sse/flow");
            assertThat(reading.head(WAIT).status().toString()).isEqualTo("200");
            TestServer.await("two sessions", WAIT, () -> t.server().node().sessionCount() == 2);
            String payload = "x".repeat(1000);
            for (int i = 1; i <= 300; i++) {
                // One at a time, as fast as the reading stream takes them: only the stalled one falls behind.
                String id = t.server().publish("flow", null, io.herald.core.Payload.text(payload + i)).join().id();
                assertThat(reading.readUntil("id: " + id + "\n", WAIT)).as("publication %d", i)
                        .endsWith("id: " + id + "\ndata: " + payload + i + "\n\n");
            }
            TestServer.await("the stalled stream's session cut as slow", WAIT,
                    () -> t.server().node().disconnectCounts().getOrDefault(io.herald.core.Disconnect.SLOW, 0L) == 1L);
            assertThat(stalled.reset.get(10, TimeUnit.SECONDS)).as("the stalled stream reset (CANCEL)")
                    .isEqualTo(io.netty.handler.codec.http2.Http2Error.CANCEL.code());
            assertThat(client.channel().isActive()).as("the connection carries on").isTrue();
            reading.channel().close();
            client.close();
            t.awaitNoSessions();
        }
    }

    @Test
    void framedWritesFindNoHttp11CodecOnAnHttp2StreamSoTransportsWriteUnframed() throws Exception {
        // The transports ask FramedWrites where pre-framed HTTP/1.1 chunks go; on a stream there is no such codec.
        io.netty.channel.embedded.EmbeddedChannel stream = new io.netty.channel.embedded.EmbeddedChannel(
                new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(true), new BodyAggregator(1024));
        assertThat(io.herald.server.transport.FramedWrites.at(stream, io.netty.handler.codec.http.HttpServerCodec.class)).isNull();
        stream.finishAndReleaseAll();
    }

    @Test
    void whenTheClientIsSilentStalledRequestsAreResetStreamsGoOnAndAConnectionWithoutStreamsCloses() throws Exception {
        // Heartbeat 100 ms: the idle timeout is twice it plus 5 s. Two-byte heartbeats are too few for
        // the client to return flow-control credit, so it sends nothing at all.
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1,
                cfg -> cfg.heartbeat(Duration.ofMillis(100)));
             Http2TestClient client = Http2TestClient.tls(t)) {
            Http2TestClient.Stream sse = client.get("/sse/idle");
            assertThat(sse.head(WAIT).status().toString()).isEqualTo("200");
            Http2TestClient.Stream unfinished = client.request(client.headers("POST", "/pub/idle"), false, true);
            assertThat(unfinished.reset.get(20, TimeUnit.SECONDS)).as("the request never completed: reset")
                    .isEqualTo(io.netty.handler.codec.http2.Http2Error.CANCEL.code());
            assertThat(client.channel().isActive()).as("a connection with a stream that streams stays").isTrue();
            assertThat(t.server().node().sessionCount()).isEqualTo(1);
            t.publish("idle", "still flowing");
            assertThat(sse.readUntil("data: still flowing\n\n", WAIT)).contains("retry: 2000");
            sse.channel().close();
            assertThat(client.channel().closeFuture().await(20, TimeUnit.SECONDS))
                    .as("the connection without streams closed when idle").isTrue();
            assertThat(client.goAway.getNow(null)).as("GOAWAY before the close").isNotNull();
        }
    }
}
