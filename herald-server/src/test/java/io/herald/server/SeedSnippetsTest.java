package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeds' client snippets (shared/seeds), replayed from Java as the same requests a browser makes
 * for them, against the matching endpoints. The browser itself runs them in the Chromium tests.
 */
@Timeout(60)
class SeedSnippetsTest {

    /**
     * Seeds 000/001: {@code new EventSource(url)}, {@code addEventListener('message', ...)} and
     * {@code addEventListener('userlogin', ...)}; seed 001's wire example
     * {@code id / event: userlogin / data: {"username": "John123"}}.
     */
    @Test
    void eventSourceMessageAndUserloginListeners() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (SseReader source = new SseReader(t.stream("/sse/seed").body())) {
                assertThat(source.next().retry()).as("reconnection time, like the seed's retry: 10000").isPositive();
                TestServer.await("open", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
                t.publish("seed", "plain message");
                t.publish("seed", "{\"username\": \"John123\"}", "application/json", "userlogin");
                SseReader.Event message = source.nextEvent();
                SseReader.Event login = source.nextEvent();
                assertThat(message.event()).as("dispatched to onmessage / 'message' listeners").isEqualTo("message");
                assertThat(message.data()).isEqualTo("plain message");
                assertThat(login.event()).as("dispatched to the 'userlogin' listener").isEqualTo("userlogin");
                assertThat(TestServer.json(login.data()).get("username").asText()).isEqualTo("John123");
                assertThat(login.id()).as("the browser's lastEventId, sent back as Last-Event-ID").endsWith("-2");
            }
        }
    }

    /**
     * Seeds 000/001/003: {@code connection.onopen = () => connection.send('Ping')} and
     * {@code connection.onmessage = e => console.log('Server: ' + e.data)} on a raw WebSocket: the
     * socket publishes what it sends and receives every payload of its channel, its own included.
     */
    @Test
    void webSocketOnopenSendAndOnmessage() {
        try (TestServer t = TestServer.start(); WsClient connection = WsClient.connect(t, "/ws/seed")) {
            TestServer.await("open", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            connection.send("Ping");
            assertThat(connection.nextText()).isEqualTo("Ping");
            t.publish("seed", "hello from the server");
            assertThat(connection.nextText()).isEqualTo("hello from the server");
            connection.sendBinary(new byte[] {1, 2, 3});
            assertThat(connection.nextBinary()).containsExactly(1, 2, 3);
        }
    }

    /**
     * Seeds 000/002/003: {@code setInterval(() => fetch('/poll/...').then(r => r.json()), 1000)}: each
     * poll answers at once with the latest publications as JSON.
     */
    @Test
    void shortPollingWithSetIntervalAndFetch() {
        try (TestServer t = TestServer.start()) {
            JsonNode empty = TestServer.json(t.get("/poll/counter").body());
            assertThat(empty.get("messages")).isEmpty();
            t.publish("counter", "{\"signedUp\": 41}", "application/json", null);
            t.publish("counter", "{\"signedUp\": 42}", "application/json", null);
            HttpResponse<String> r = t.get("/poll/counter?limit=1");
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode latest = TestServer.json(r.body()).get("messages");
            assertThat(latest).hasSize(1);
            assertThat(latest.get(0).get("data").get("signedUp").asInt()).isEqualTo(42);
        }
    }

    /**
     * Seeds 000/002/003/004: recursive long polling, {@code function async() { $.ajax({url, success:
     * function () { async(); ... }}) }}: each request is held until there is news, then the client asks
     * again. Chaining {@code next} makes the recursion lossless.
     */
    @Test
    void recursiveLongPolling() throws Exception {
        try (TestServer t = TestServer.start()) {
            String next = TestServer.json(t.get("/history/comet?limit=0").body()).get("next").asText();
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= 30; i++) {
                    t.publish("comet", "n" + i);
                }
            });
            List<String> got = new ArrayList<>();
            while (got.size() < 30) {
                JsonNode body = TestServer.json(t.get("/longpoll/comet?timeout=10&since=" + next).body());
                body.get("messages").forEach(m -> got.add(m.get("data").asText()));
                next = body.get("next").asText();
            }
            publisher.join();
            assertThat(got).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 30).mapToObj(i -> "n" + i).toList());
        }
    }

    /**
     * Seed 002: a hidden iframe whose response calls a function of the page,
     * {@code <script type="text/javascript">js_func("data from server")</script>}, chunk by chunk.
     */
    @Test
    void foreverIframeCallsTheParentFunction() throws Exception {
        try (TestServer t = TestServer.start()) {
            var body = t.stream("/iframe/seed?callback=js_func").body();
            TestServer.await("open", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == 1);
            t.publish("seed", "data from server");
            StringBuilder html = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!html.toString().contains("</script>")) {
                int n = body.read(buf);
                assertThat(n).isPositive();
                html.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            }
            String call = html.substring(html.indexOf("<script>"), html.indexOf("</script>") + 9);
            assertThat(call).startsWith("<script>parent.js_func({").contains("\"data\":\"data from server\"");
            body.close();
        }
    }
}
