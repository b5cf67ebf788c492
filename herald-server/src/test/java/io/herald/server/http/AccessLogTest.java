package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.herald.server.testing.Http2Client;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The access log ({@link AccessLog}) over real sockets: every field of the line of a plain request,
 * a held long poll, an SSE stream ended by the server and a WebSocket closed by its client, with the
 * bytes compared to what the client received, and secrets redacted. Raw sockets, so that the client's
 * address and the bytes on the wire are known exactly.
 */
class AccessLogTest {
    /** Collects the access lines; events are appended on event loops and taken by the test thread. */
    static final class Lines extends AppenderBase<ILoggingEvent> {
        final BlockingQueue<ILoggingEvent> events = new LinkedBlockingQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            events.add(event);
        }

        private final List<Map<String, Object>> skipped = new ArrayList<>();

        /** The next line not taken yet, waiting up to 10 s for it: its key-value pairs in order, and its message. */
        Map<String, Object> next() throws InterruptedException {
            return skipped.isEmpty() ? poll("an access line") : skipped.remove(0);
        }

        /** The next line of a request to {@code path}; lines of other requests, which may end in any order, are kept. */
        Map<String, Object> of(String path) throws InterruptedException {
            for (int i = 0; i < skipped.size(); i++) {
                if (path.equals(skipped.get(i).get("path"))) {
                    return skipped.remove(i);
                }
            }
            while (true) {
                Map<String, Object> line = poll("the access line of " + path);
                if (path.equals(line.get("path"))) {
                    return line;
                }
                skipped.add(line);
            }
        }

        private Map<String, Object> poll(String what) throws InterruptedException {
            ILoggingEvent event = events.poll(10, TimeUnit.SECONDS);
            assertThat(event).as("%s within 10 s", what).isNotNull();
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            Map<String, Object> fields = new LinkedHashMap<>();
            event.getKeyValuePairs().forEach(kv -> fields.put(kv.key, kv.value));
            fields.put("message", event.getFormattedMessage());
            return fields;
        }
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final Lines lines = new Lines();
    private Level level;
    private boolean additive;

    @BeforeEach
    void capture() {
        level = logger.getLevel();
        additive = logger.isAdditive();
        lines.setContext(logger.getLoggerContext());
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
        logger.setLevel(level);
        logger.setAdditive(additive);
        lines.stop();
    }

    private static void send(Socket s, String request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The bytes of a response as received: head and body. */
    private static int size(RawResponse r) {
        return r.head().length() + r.body().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Asserts the fields every line has. */
    private static void assertLine(Map<String, Object> line, String remote, String method, String path, int status,
                                   long bytes, String transport) {
        assertThat(line).containsEntry("remote", remote)
                .containsEntry("method", method)
                .containsEntry("path", path)
                .containsEntry("status", status)
                .containsEntry("bytes", bytes)
                .containsEntry("transport", transport);
        assertThat(line.get("duration_ms")).isInstanceOf(Double.class);
        assertThat((Double) line.get("duration_ms")).isBetween(0.0, 60_000.0);
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toByteArray();
    }

    @Test
    void requestsOnOneConnectionGetALineEachWithEveryFieldAndSecretsRedacted() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            String remote = "127.0.0.1:" + s.getLocalPort();
            send(s, "GET /history/logs?limit=5&token=s3cret&Key=abc&api%5Fkey=zzz&x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse history = RawResponse.read(s.getInputStream());
            assertThat(history.status()).isEqualTo(200);
            Map<String, Object> first = lines.next();
            assertLine(first, remote, "GET", "/history/logs?limit=5&token=***&Key=***&api%5Fkey=***&x=1", 200, size(history), "http");
            assertThat(first).doesNotContainKey("close");
            assertThat((String) first.get("message"))
                    .startsWith(remote + " \"GET /history/logs?limit=5&token=***&Key=***&api%5Fkey=***&x=1\" 200 http "
                            + size(history) + "B ")
                    .endsWith("ms")
                    .doesNotContain("s3cret", "abc", "zzz");

            // The next request on the same connection: its own line, its own bytes; an error status.
            send(s, "POST /pub/bad%20channel?ticket=t1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
            RawResponse rejected = RawResponse.read(s.getInputStream());
            assertThat(rejected.status()).isEqualTo(400);
            assertLine(lines.next(), remote, "POST", "/pub/bad%20channel?ticket=***", 400, size(rejected), "http");
            assertThat(s.getInputStream().read()).as("closed after Connection: close").isEqualTo(-1);
        }
        assertThat(lines.events).as("no other line").isEmpty();
    }

    @Test
    void anInterimResponseDoesNotEndTheExchange() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            send(s, "POST /pub/logs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
            String interim = "HTTP/1.1 100 Continue\r\n\r\n";
            assertThat(new String(s.getInputStream().readNBytes(interim.length()), StandardCharsets.ISO_8859_1)).isEqualTo(interim);
            send(s, "hello");
            RawResponse published = RawResponse.read(s.getInputStream());
            assertThat(published.status()).isEqualTo(200);
            assertLine(lines.next(), "127.0.0.1:" + s.getLocalPort(), "POST", "/pub/logs", 200,
                    interim.length() + size(published), "http");
        }
        assertThat(lines.events).as("one line for the exchange").isEmpty();
    }

    @Test
    void aLongPollIsLoggedWhenAnsweredAndTheConnectionGoesOn() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            String remote = "127.0.0.1:" + s.getLocalPort();
            send(s, "GET /longpoll/logs?timeout=1&apikey=zz HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse held = RawResponse.read(s.getInputStream());
            assertThat(held.status()).isEqualTo(200);
            Map<String, Object> poll = lines.next();
            assertLine(poll, remote, "GET", "/longpoll/logs?timeout=1&apikey=***", 200, size(held), "long-polling");
            assertThat(poll).doesNotContainKey("close");
            assertThat((Double) poll.get("duration_ms")).as("held for the timeout").isGreaterThanOrEqualTo(999.0);

            send(s, "GET /history/logs HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            RawResponse after = RawResponse.read(s.getInputStream());
            assertLine(lines.next(), remote, "GET", "/history/logs", 200, size(after), "http");
        }
    }

    @Test
    void aStreamIsLoggedWhenItEndsWithTheServersCloseCodeAndEveryByteItSent() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.adminEnabled(true))) {
            long connecting = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", t.port())) {
                s.setSoTimeout(10_000);
                send(s, "GET /sse/logs?token=abc HTTP/1.1\r\nHost: a\r\n\r\n");
                TestServer.await("the stream's subscription", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == 1);
                long started = System.nanoTime();
                t.publish("logs", "hello");
                long disconnecting = System.nanoTime();
                assertThat(t.adminPost("/admin/disconnect").statusCode()).isEqualTo(200);
                byte[] received = readToEnd(s.getInputStream());
                long ended = System.nanoTime();
                String text = new String(received, StandardCharsets.UTF_8);
                assertThat(text).startsWith("HTTP/1.1 200").contains("data: hello").contains("4003");

                assertThat(lines.of("/pub/logs")).containsEntry("status", 200).containsEntry("transport", "http");
                assertThat(lines.of("/admin/disconnect")).containsEntry("method", "POST").containsEntry("transport", "http");
                Map<String, Object> stream = lines.of("/sse/logs?token=***");
                assertLine(stream, "127.0.0.1:" + s.getLocalPort(), "GET", "/sse/logs?token=***", 200, received.length, "sse");
                assertThat(stream).containsEntry("close", 4003);
                // It began before the session was seen and ended after the disconnect was asked for, and
                // lies within the client's own view of the connection (plus the closing's own few ms).
                assertThat((Double) stream.get("duration_ms"))
                        .isGreaterThanOrEqualTo((disconnecting - started) / 1e6)
                        .isLessThanOrEqualTo((ended - connecting) / 1e6 + 100);
                assertThat((String) stream.get("message"))
                        .isEqualTo("127.0.0.1:" + s.getLocalPort() + " \"GET /sse/logs?token=***\" 200 sse " + received.length
                                + "B " + stream.get("duration_ms") + "ms close=4003");
            }
        }
        assertThat(lines.events).as("no other line").isEmpty();
    }

    @Test
    void aWebSocketIsLoggedWithTheClientsCloseCodeAndEveryByteItSent() throws Exception {
        try (TestServer t = TestServer.start(); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            send(s, "GET /ws/logs?key=k123 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            TestServer.await("the WebSocket's session", Duration.ofSeconds(10), () -> t.server().node().sessionCount() == 1);
            t.publish("logs", "hello");
            assertThat(lines.of("/pub/logs")).containsEntry("status", 200);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            while (!seen.toString(StandardCharsets.ISO_8859_1).endsWith("hello")) {
                int b = in.read();
                assertThat(b).as("the frame before EOF").isNotNegative();
                seen.write(b);
            }
            // A masked close frame with code 1000 (RFC 6455, section 5.5.1), mask key 0.
            s.getOutputStream().write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xE8});
            s.getOutputStream().flush();
            byte[] rest = readToEnd(in);
            int total = seen.size() + rest.length;
            assertThat(rest).as("the server's close frame, echoing 1000").startsWith((byte) 0x88, (byte) 0x02, (byte) 0x03, (byte) 0xE8);
            Map<String, Object> ws = lines.of("/ws/logs?key=***");
            assertLine(ws, "127.0.0.1:" + s.getLocalPort(), "GET", "/ws/logs?key=***", 101, total, "websocket");
            assertThat(ws).containsEntry("close", 1000);
            assertThat((String) ws.get("message")).doesNotContain("k123");
        }
    }

    @Test
    void offLogsNothing() throws Exception {
        for (boolean on : new boolean[] {true, false}) {
            try (TestServer t = TestServer.start(cfg -> cfg.accessLog(on)); Socket s = new Socket("127.0.0.1", t.port())) {
                s.setSoTimeout(10_000);
                send(s, "GET /history/logs HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                assertThat(RawResponse.read(s.getInputStream()).status()).isEqualTo(200);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
                // The line is logged as the response is written, before the connection closes: no need to wait.
                assertThat(lines.events).as("lines with logging.access-log: %s", on).hasSize(on ? 1 : 0);
                lines.events.clear();
            }
        }
    }

    @Test
    void redactReplacesOnlyTheValuesOfSecretParameters() {
        assertThat(AccessLog.redact("/sse/c")).isEqualTo("/sse/c");
        assertThat(AccessLog.redact("/sse/c?since=a-1")).isEqualTo("/sse/c?since=a-1");
        assertThat(AccessLog.redact("/sse/c?token=abc")).isEqualTo("/sse/c?token=***");
        assertThat(AccessLog.redact("/sse/c?TOKEN=abc&since=a-1;ticket=t&%6Bey=k&access_token=z"))
                .isEqualTo("/sse/c?TOKEN=***&since=a-1;ticket=***&%6Bey=***&access_token=***");
        assertThat(AccessLog.redact("/sse/c?token=&token&tokens=a&x=token=y"))
                .as("empty or absent values, other names, a name inside a value: kept")
                .isEqualTo("/sse/c?token=&token&tokens=a&x=token=y");
        assertThat(AccessLog.redact("/sse/c?a=1&&key=%zz&")).isEqualTo("/sse/c?a=1&&key=***&");
        assertThat(AccessLog.redact("/sse/c?%zz=1&key=2")).as("a malformed name").isEqualTo("/sse/c?%zz=1&key=***");
    }

    @Test
    void requestsOnHttp2StreamsAreLoggedLikeHttp11Ones(@TempDir Path dir) throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_2, cfg -> { });
             Http2Client h2 = t.newHttp2Client()) {
            t.publish("h2logs", "hello");
            HttpResponse<String> history = h2.send(HttpRequest.newBuilder(t.uri("/history/h2logs?key=s3cret")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(history.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(history.statusCode()).isEqualTo(200);
            Map<String, Object> line = lines.of("/history/h2logs?key=***");
            assertThat(line).containsEntry("method", "GET").containsEntry("status", 200).containsEntry("transport", "http");
            // on a stream the bytes are the DATA frames' payload: the body
            assertThat(line.get("bytes")).isEqualTo((long) history.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(lines.of("/pub/h2logs")).containsEntry("status", 200);
        }
    }
}
