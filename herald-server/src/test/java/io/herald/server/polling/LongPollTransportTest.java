package io.herald.server.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
                RawResponse answered = RawResponse.read(in);
                assertThat(answered.status()).isEqualTo(200);
                assertThat(answered.head()).doesNotContain("connection: close");
                assertThat(TestServer.json(answered.body()).get("next").asText()).isEqualTo(second);

                send(s, "/longpoll/ka?since=" + second, false);
                awaitSubscribers(t, 1);
                String third = t.publish("ka", "m3").get("id").asText();
                RawResponse held = RawResponse.read(in);
                assertThat(held.status()).isEqualTo(200);
                assertThat(TestServer.json(held.body()).at("/messages/0/data").asText()).isEqualTo("m3");
                assertThat(TestServer.json(held.body()).get("next").asText()).isEqualTo(third);
                t.awaitNoSessions();

                send(s, "/longpoll/ka?since=" + first, true);
                RawResponse last = RawResponse.read(in);
                assertThat(last.head()).contains("connection: close");
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

    private static void awaitSubscribers(TestServer t, int n) {
        TestServer.await(n + " subscriber(s)", Duration.ofSeconds(5), () -> t.server().node().subscriptionCount() == n);
    }

    private static CompletableFuture<HttpResponse<String>> pollAsync(TestServer t, String path) {
        return t.http().sendAsync(HttpRequest.newBuilder(t.uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void send(Socket s, String path, boolean close) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
