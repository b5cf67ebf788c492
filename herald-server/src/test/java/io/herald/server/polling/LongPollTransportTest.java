package io.herald.server.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.testing.BackgroundPublisher;
import io.herald.server.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LongPollTransportTest {

    @Test
    void holdsTheRequestUntilAPublication() throws Exception {
        try (TestServer t = TestServer.start()) {
            CompletableFuture<HttpResponse<String>> held = pollAsync(t, "/longpoll/held");
            awaitSubscribers(t, 1);
            assertThatThrownBy(() -> held.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);

            String id = t.publish("held", "hello").get("id").asText();
            HttpResponse<String> r = held.get(5, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            JsonNode page = TestServer.json(r.body());
            assertThat(page.get("messages")).hasSize(1);
            assertThat(page.at("/messages/0/data").asText()).isEqualTo("hello");
            assertThat(page.at("/messages/0/id").asText()).isEqualTo(id);
            assertThat(page.get("next").asText()).isEqualTo(id);
            assertThat(page.get("reset").asBoolean()).isFalse();
        }
    }

    @Test
    void timeoutAnswersNoMessagesAndTheSubscriptionsPosition() throws Exception {
        try (TestServer t = TestServer.start(cfg -> cfg.longPollTimeout(Duration.ofMillis(300)))) {
            String id = t.publish("quiet", "one").get("id").asText();

            JsonNode live = TestServer.json(t.get("/longpoll/quiet").body());
            assertThat(live.get("messages")).isEmpty();
            assertThat(live.get("next").asText()).as("the top when no since is given").isEqualTo(id);
            assertThat(live.get("reset").asBoolean()).isFalse();

            long start = System.nanoTime();
            JsonNode resumed = TestServer.json(t.get("/longpoll/quiet?since=" + id + "&timeout=1").body());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(resumed.get("messages")).isEmpty();
            assertThat(resumed.get("next").asText()).isEqualTo(id);
        }
    }

    @Test
    void answersAtOnceWithWhatHistoryHoldsAfterSince() {
        try (TestServer t = TestServer.start()) {
            String first = t.publish("backlog", "m1").get("id").asText();
            t.publish("backlog", "m2");
            String last = t.publish("backlog", "m3").get("id").asText();
            JsonNode page = TestServer.json(t.get("/longpoll/backlog?since=" + first).body());
            assertThat(page.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("m2", "m3");
            assertThat(page.get("next").asText()).isEqualTo(last);
        }
    }

    @Test
    void recursiveLongPollingReceivesEveryConcurrentPublicationOnceInOrder() throws Exception {
        try (TestServer t = TestServer.start()) {
            // The seeds' pattern: each request starts as soon as the previous one answered, from its "next".
            CompletableFuture<HttpResponse<String>> first = pollAsync(t, "/longpoll/rec?timeout=10");
            awaitSubscribers(t, 1);
            try (BackgroundPublisher publisher = BackgroundPublisher.start(t.server(), "rec", "m", 100)) {
                List<String> received = new ArrayList<>();
                JsonNode page = TestServer.json(first.get(10, TimeUnit.SECONDS).body());
                int requests = 1;
                while (true) {
                    assertThat(page.get("reset").asBoolean()).isFalse();
                    page.get("messages").forEach(m -> received.add(m.get("data").asText()));
                    if (received.size() >= 100 || (page.get("messages").isEmpty() && publisher.done())) {
                        break;
                    }
                    page = poll(t, "rec", page.get("next").asText());
                    requests++;
                }
                publisher.join();
                assertThat(received).containsExactlyElementsOf(publisher.expected());
                assertThat(requests).isGreaterThan(1);
            }
        }
    }

    @Test
    void resumesAfterAbandonedRequestsWithNoLossAndNoDuplicateWhilePublishing() throws Exception {
        try (TestServer t = TestServer.start()) {
            String start = t.publish("abandon", "start").get("id").asText();
            try (BackgroundPublisher publisher = BackgroundPublisher.start(t.server(), "abandon", "m", 200)) {
                List<String> received = new ArrayList<>();
                String next = start;
                for (int i = 0; received.size() < 200; i++) {
                    if (i % 3 == 0) {
                        // A client that gives up on a held request: whatever it was answered is lost to it.
                        try (Socket s = new Socket("127.0.0.1", t.port())) {
                            send(s, "/longpoll/abandon?since=" + next, false);
                        }
                    }
                    JsonNode page = poll(t, "abandon", next);
                    assertThat(page.get("reset").asBoolean()).isFalse();
                    page.get("messages").forEach(m -> received.add(m.get("data").asText()));
                    next = page.get("next").asText();
                    if (page.get("messages").isEmpty() && publisher.done()) {
                        break;
                    }
                }
                publisher.join();
                assertThat(received).containsExactlyElementsOf(publisher.expected());
            }
        }
    }

    @Test
    void announcesResetWhenSinceIsOfAnotherEpoch() {
        try (TestServer t = TestServer.start()) {
            String id = t.publish("epochs", "one").get("id").asText();
            JsonNode page = TestServer.json(t.get("/longpoll/epochs?since=zzzzzz-3&timeout=10").body());
            assertThat(page.get("reset").asBoolean()).isTrue();
            assertThat(page.get("messages")).isEmpty();
            assertThat(page.get("next").asText()).isEqualTo(id);
        }
    }

    @Test
    void announcesResetWhenSinceIsOlderThanHistory() {
        try (TestServer t = TestServer.start(cfg -> cfg.node(NodeConfig.builder()
                .defaultNamespace(NamespaceOptions.builder().historySize(5).build()).build()))) {
            String id = null;
            for (int i = 1; i <= 20; i++) {
                id = t.publish("old", "m" + i).get("id").asText();
            }
            String epoch = id.substring(0, id.lastIndexOf('-'));
            JsonNode reset = TestServer.json(t.get("/longpoll/old?since=" + epoch + "-2&timeout=10").body());
            assertThat(reset.get("reset").asBoolean()).isTrue();
            assertThat(reset.get("messages")).isEmpty();
            assertThat(reset.get("next").asText()).isEqualTo(epoch + "-20");

            JsonNode recent = TestServer.json(t.get("/longpoll/old?since=" + epoch + "-17").body());
            assertThat(recent.get("reset").asBoolean()).isFalse();
            assertThat(recent.get("messages")).extracting(m -> m.get("data").asText()).containsExactly("m18", "m19", "m20");
        }
    }

    @Test
    void rejectsABadTimeout() {
        try (TestServer t = TestServer.start()) {
            for (String bad : List.of("abc", "0", "-1", "121", "1.5", "99999999999")) {
                HttpResponse<String> r = t.get("/longpoll/demo?timeout=" + bad);
                assertThat(r.statusCode()).as("timeout=%s", bad).isEqualTo(400);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("invalid_parameter");
            }
            HttpResponse<String> since = t.get("/longpoll/demo?since=nope");
            assertThat(since.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(since.body()).at("/error/code").asText()).isEqualTo("invalid_since");
        }
    }

    @Test
    void keepsTheConnectionForTheNextRequest() throws Exception {
        try (TestServer t = TestServer.start()) {
            String first = t.publish("ka", "m1").get("id").asText();
            String second = t.publish("ka", "m2").get("id").asText();
            try (Socket s = new Socket("127.0.0.1", t.port())) {
                s.setSoTimeout(10_000);
                InputStream in = new BufferedInputStream(s.getInputStream());
                send(s, "/longpoll/ka?since=" + first, false);
                Raw answered = Raw.read(in);
                assertThat(answered.status).isEqualTo(200);
                assertThat(answered.head).doesNotContain("connection: close");
                assertThat(TestServer.json(answered.body).get("next").asText()).isEqualTo(second);

                send(s, "/longpoll/ka?since=" + second, false);
                awaitSubscribers(t, 1);
                String third = t.publish("ka", "m3").get("id").asText();
                Raw held = Raw.read(in);
                assertThat(held.status).isEqualTo(200);
                assertThat(TestServer.json(held.body).at("/messages/0/data").asText()).isEqualTo("m3");
                assertThat(TestServer.json(held.body).get("next").asText()).isEqualTo(third);
                t.awaitNoSessions();

                send(s, "/longpoll/ka?since=" + first, true);
                Raw last = Raw.read(in);
                assertThat(last.head).contains("connection: close");
                assertThat(in.read()).as("closed after a Connection: close request").isEqualTo(-1);
            }
        }
    }

    @Test
    void aClientThatDisconnectsWhileHeldEndsItsSession() throws Exception {
        try (TestServer t = TestServer.start()) {
            try (Socket s = new Socket("127.0.0.1", t.port())) {
                send(s, "/longpoll/gone", false);
                awaitSubscribers(t, 1);
            }
            t.awaitNoSessions();
            t.publish("gone", "after");
            assertThat(t.server().node().sessionCount()).isZero();
        }
    }

    @Test
    void answersWhatItHasOnShutdownAndClosesTheConnection() throws Exception {
        TestServer t = TestServer.start();
        try (t) {
            String id = t.publish("bye", "one").get("id").asText();
            CompletableFuture<HttpResponse<String>> held = pollAsync(t, "/longpoll/bye?since=" + id);
            awaitSubscribers(t, 1);
            t.shutdownWithClientsConnected();
            HttpResponse<String> r = held.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            JsonNode page = TestServer.json(r.body());
            assertThat(page.get("messages")).isEmpty();
            assertThat(page.get("next").asText()).isEqualTo(id);
            assertThat(t.server().connectionCount()).isZero();
        }
    }

    private static void awaitSubscribers(TestServer t, int n) {
        TestServer.await(n + " subscriber(s)", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == n);
    }

    private static CompletableFuture<HttpResponse<String>> pollAsync(TestServer t, String path) {
        return t.http().sendAsync(HttpRequest.newBuilder(t.uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode poll(TestServer t, String channel, String since) {
        HttpResponse<String> r = t.get("/longpoll/" + channel + "?timeout=10&since=" + since);
        assertThat(r.statusCode()).as("long poll answer %s", r.body()).isEqualTo(200);
        return TestServer.json(r.body());
    }

    private static void send(Socket s, String path, boolean close) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One HTTP/1.1 response with a Content-Length body, read off a raw socket. */
    private record Raw(int status, String head, String body) {
        static Raw read(InputStream in) throws Exception {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("connection closed in the response head: " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new Raw(Integer.parseInt(text.substring(9, 12)), text, body);
        }
    }
}
