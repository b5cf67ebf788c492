package io.herald.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Access control on every HTTP path, over real sockets against a server with access control on
 * ({@link TestTokens}: HS256 key, API keys, the namespaces of docs/security.md "Channel
 * permissions"): the hostile cases of the design's section 3 that HTTP reaches (10-15, 19, 20, 23,
 * 31 and the token parts of 1, 2 and 8 on each transport). Each asserts the status and that nothing
 * was delivered (no body carries the secret publication), and the tests that run a legitimate
 * subscriber meanwhile assert it lost nothing.
 */
class HttpAccessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** What every read path on a channel is, with a short hold for the long poll. */
    private static final List<String> READ_PATHS = List.of("/sse/", "/stream/", "/iframe/", "/longpoll/", "/poll/", "/history/");

    private final TestTokens tokens = TestTokens.create();

    private static String pathFor(String prefix, String channel) {
        return prefix + channel + (prefix.equals("/longpoll/") ? "?timeout=1" : "");
    }

    private static HttpResponse<String> get(TestServer t, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(path)).timeout(TIMEOUT).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return t.send(b.build());
    }

    private static HttpResponse<String> post(TestServer t, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(path)).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return t.send(b.build());
    }

    /** Publishes with the publish API key; returns the offset. */
    private long publish(TestServer t, String channel, String body) {
        HttpResponse<String> r = post(t, "/pub/" + channel, body, "X-API-Key", tokens.publishKey());
        assertThat(r.statusCode()).as("publish with the API key: %s", r.body()).isEqualTo(200);
        return TestServer.json(r.body()).get("offset").asLong();
    }

    private static void assertRefused(HttpResponse<String> r, int status, String code, String challenge, String secret) {
        assertThat(r.statusCode()).as("%s: %s", r.uri(), r.body()).isEqualTo(status);
        assertThat(TestServer.json(r.body()).at("/error/code").asText()).as("%s", r.uri()).isEqualTo(code);
        if (challenge == null) {
            assertThat(r.headers().firstValue("WWW-Authenticate")).as("%s", r.uri()).isEmpty();
        } else {
            assertThat(r.headers().firstValue("WWW-Authenticate")).as("%s", r.uri()).contains(challenge);
        }
        assertThat(r.body()).as("nothing delivered on %s", r.uri()).doesNotContain(secret);
    }

    /** A legitimate SSE subscriber (Bearer header), read after the attempts: it must have every offset. */
    private static final class Legit implements AutoCloseable {
        private final HttpResponse<InputStream> response;
        private final SseReader reader;

        Legit(TestServer t, String channel, String token) {
            response = t.stream("/sse/" + channel, "Authorization", "Bearer " + token);
            assertThat(response.statusCode()).isEqualTo(200);
            reader = new SseReader(response.body());
            TestServer.await("the legitimate subscription", TIMEOUT, () -> t.server().node().hub().subscriptionCount() >= 1);
        }

        /** Reads {@code n} publications and asserts their data are exactly {@code expected}, in order. */
        void assertReceived(List<String> expected) throws IOException {
            List<String> got = new ArrayList<>();
            while (got.size() < expected.size()) {
                SseReader.Event e = reader.nextEvent();
                assertThat(e).as("the stream ended after %s", got).isNotNull();
                if ("message".equals(e.event())) {
                    got.add(e.data());
                }
            }
            assertThat(got).isEqualTo(expected);
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    @Test
    void aPrivateChannelReadThroughEveryPathWithoutATokenIs401AndDeliversNothing() throws Exception {
        try (TestServer t = tokens.start()) {
            try (Legit legit = new Legit(t, "doc:1", tokens.token("1", "subscribe", "doc:1"))) {
                publish(t, "doc:1", "secret-1");
                for (String prefix : READ_PATHS) {
                    assertRefused(get(t, pathFor(prefix, "doc:1")), 401, "unauthorized", "Bearer", "secret-1");
                }
                publish(t, "doc:1", "secret-2");
                legit.assertReceived(List.of("secret-1", "secret-2"));
            }
        }
    }

    @Test
    void aValidTokenWithoutTheGrantIs403OnEveryPathAndDeliversNothing() throws Exception {
        try (TestServer t = tokens.start()) {
            publish(t, "doc:2", "secret");
            String token = tokens.token("7", "subscribe", "doc:9");
            for (String prefix : READ_PATHS) {
                assertRefused(get(t, pathFor(prefix, "doc:2"), "Authorization", "Bearer " + token), 403, "forbidden",
                        null, "secret");
            }
        }
    }

    @Test
    void forgedUnsecuredAndExpiredTokensAre401OnEveryTransport() {
        try (TestServer t = tokens.start()) {
            publish(t, "doc:1", "secret");
            JWTClaimsSet claims = TestTokens.grant(TestTokens.claims("1", Duration.ofHours(1)), "subscribe", "doc:*").build();
            List<String> invalid = new ArrayList<>(List.of(TestTokens.forged("1", "subscribe", "doc:*")));
            for (String alg : List.of("none", "None", "NONE", "nOnE")) {
                invalid.add(TestTokens.unsecured(alg, claims));
            }
            for (String prefix : READ_PATHS) {
                for (String token : invalid) {
                    assertRefused(get(t, pathFor(prefix, "doc:1"), "Authorization", "Bearer " + token), 401, "unauthorized",
                            "Bearer error=\"invalid_token\"", "secret");
                }
                assertRefused(get(t, pathFor(prefix, "doc:1"), "Authorization", "Bearer " + tokens.expired("1",
                        Duration.ofSeconds(120))), 401, "token_expired", "Bearer error=\"invalid_token\"", "secret");
            }
            // The ticket forms of SSE and the iframe: the same refusals.
            for (String prefix : List.of("/sse/doc:1?token=", "/iframe/doc:1?token=")) {
                assertRefused(get(t, prefix + TestTokens.unsecured("none", TestTokens.claims("1", Duration.ofSeconds(60))
                        .claim("channel", "doc:1").build())), 401, "unauthorized", "Bearer error=\"invalid_token\"", "secret");
                assertRefused(get(t, prefix + TestTokens.forged("1", "subscribe", "doc:1")), 401, "unauthorized",
                        "Bearer error=\"invalid_token\"", "secret");
            }
        }
    }

    @Test
    void grantPatternsMatchExactlyOrByPrefix() {
        try (TestServer t = tokens.start()) {
            String room1 = tokens.token("1", "subscribe", "doc:room1");
            assertThat(get(t, "/poll/doc:room1", "Authorization", "Bearer " + room1).statusCode()).isEqualTo(200);
            assertRefused(get(t, "/poll/doc:room10", "Authorization", "Bearer " + room1), 403, "forbidden", null, "-");
            String prefix = tokens.token("1", "subscribe", "doc:4*");
            assertThat(get(t, "/poll/doc:42", "Authorization", "Bearer " + prefix).statusCode()).isEqualTo(200);
            assertRefused(get(t, "/poll/doc:5", "Authorization", "Bearer " + prefix), 403, "forbidden", null, "-");
            // A subscribe grant is no history grant: /history is checked as history.
            assertRefused(get(t, "/history/doc:42", "Authorization", "Bearer " + prefix), 403, "forbidden", null, "-");
            assertThat(get(t, "/history/doc:42", "Authorization", "Bearer " + tokens.token("1", "history", "doc:4*"))
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void subscriptionTokensServeTheirOneChannelAndOwnerChannelsTheirOwner() {
        try (TestServer t = tokens.start()) {
            publish(t, "doc:2", "secret");
            String forDoc1 = tokens.ticket("1", "doc:1", Duration.ofMinutes(1));
            assertThat(get(t, "/poll/doc:1", "Authorization", "Bearer " + forDoc1).statusCode()).isEqualTo(200);
            assertRefused(get(t, "/poll/doc:2", "Authorization", "Bearer " + forDoc1), 403, "forbidden", null, "secret");
            assertRefused(get(t, "/sse/doc:2?token=" + forDoc1), 401, "unauthorized", "Bearer error=\"invalid_token\"", "secret");
            assertRefused(get(t, "/poll/user:42", "Authorization", "Bearer " + tokens.token("43")), 403, "forbidden", null, "-");
            assertThat(get(t, "/poll/user:42", "Authorization", "Bearer " + tokens.token("42")).statusCode()).isEqualTo(200);
            assertThat(get(t, "/poll/user:42.inbox", "Authorization", "Bearer " + tokens.token("42")).statusCode())
                    .isEqualTo(200);
            assertRefused(get(t, "/poll/user:420", "Authorization", "Bearer " + tokens.token("42")), 403, "forbidden", null, "-");
            // Anonymous reads of an anonymous namespace stay open and cacheable as before.
            HttpResponse<String> demo = get(t, "/poll/demo:x");
            assertThat(demo.statusCode()).isEqualTo(200);
            assertThat(demo.headers().firstValue("Cache-Control")).contains("no-cache");
            HttpResponse<String> chat = get(t, "/poll/chat:x", "Authorization", "Bearer " + tokens.token("5"));
            assertThat(chat.statusCode()).isEqualTo(200);
            assertThat(chat.headers().firstValue("Cache-Control")).contains("private, no-store");
        }
    }

    @Test
    void publishingNeedsAnApiKeyOrAPublishGrantNeverAQueryKeyOrCookie() {
        // Cookie authentication needs an origin allow-list (credentials are never allowed for every origin).
        try (TestServer t = tokens.start(cfg -> cfg.auth(tokens.authConfig().cookie(true).build())
                .corsAllowedOrigins(List.of("https://app.example")))) {
            long before = publish(t, "chat:a", "legit-1");
            String key = tokens.publishKey();
            String grant = tokens.token("1", "publish", "chat:a", "doc:*");
            List<HttpResponse<String>> refused = List.of(
                    post(t, "/pub/chat:a", "x"),
                    post(t, "/pub/chat:a", "x", "X-API-Key", "wrong-" + key),
                    post(t, "/pub/chat:a?api_key=" + key, "x"),
                    post(t, "/pub/chat:a", "x", "Authorization", "Bearer " + key),
                    // A form from the allowed site itself with the user's valid cookie: cookies are never read on /pub.
                    post(t, "/pub/chat:a", "m=x", "Content-Type", "application/x-www-form-urlencoded",
                            "Origin", "https://app.example", "Cookie", "herald_token=" + grant));
            // CSRF: a cross-site form with the user's valid cookie is refused before any credential is read.
            HttpResponse<String> csrf = post(t, "/pub/chat:a", "m=x", "Content-Type", "application/x-www-form-urlencoded",
                    "Origin", "https://evil.example", "Cookie", "herald_token=" + grant);
            assertThat(csrf.statusCode()).isEqualTo(403);
            assertThat(TestServer.json(csrf.body()).at("/error/code").asText()).isEqualTo("origin_not_allowed");
            for (HttpResponse<String> r : refused) {
                assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(401);
                assertThat(TestServer.json(r.body()).at("/error/code").asText()).isEqualTo("unauthorized");
                assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
            }
            assertThat(publish(t, "chat:a", "legit-2")).as("nothing was stored by the refused attempts").isEqualTo(before + 1);
            // A token without the right: 403; with a publish grant: published.
            HttpResponse<String> noGrant = post(t, "/pub/doc:1", "x", "Authorization", "Bearer " + tokens.token("1"));
            assertThat(noGrant.statusCode()).isEqualTo(403);
            assertThat(TestServer.json(noGrant.body()).at("/error/code").asText()).isEqualTo("forbidden");
            HttpResponse<String> granted = post(t, "/pub/doc:1", "x", "Authorization", "Bearer " + grant);
            assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
            // chat's level is subscriber: a POST has no subscription, so a token without a grant may not.
            assertThat(post(t, "/pub/chat:b", "x", "Authorization", "Bearer " + tokens.token("2")).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void ticketsAreOneChannelShortLivedSubscriptionTokens() throws Exception {
        try (TestServer t = tokens.start()) {
            publish(t, "doc:1", "secret");
            String connectionToken = tokens.token("1", "subscribe", "doc:*");
            String otherChannel = tokens.ticket("1", "doc:2", Duration.ofSeconds(60));
            String tooLong = tokens.ticket("1", "doc:1", Duration.ofSeconds(600));
            for (String prefix : List.of("/sse/doc:1?token=", "/iframe/doc:1?token=")) {
                for (String bad : List.of(connectionToken, otherChannel, tooLong)) {
                    HttpResponse<String> r = get(t, prefix + bad);
                    assertRefused(r, 401, "unauthorized", "Bearer error=\"invalid_token\"", "secret");
                    assertThat(r.body()).as("the error body never repeats the token").doesNotContain(bad);
                }
                HttpResponse<InputStream> ok = t.stream(prefix + tokens.ticket("1", "doc:1", Duration.ofSeconds(60)));
                try {
                    assertThat(ok.statusCode()).isEqualTo(200);
                    assertThat(ok.headers().firstValue("Referrer-Policy")).contains("no-referrer");
                    assertThat(ok.headers().firstValue("Cache-Control")).contains("private, no-store");
                } finally {
                    ok.body().close();
                }
            }
            // A ticket is no credential for the header-only paths.
            assertRefused(get(t, "/poll/doc:1?token=" + tokens.ticket("1", "doc:1", Duration.ofSeconds(60))), 401,
                    "unauthorized", "Bearer", "secret");
        }
    }

    @Test
    void aTicketNeverReachesTheLogsNorAnErrorBody() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger access = (Logger) LoggerFactory.getLogger(io.herald.server.http.AccessLog.LOGGER);
        Level rootLevel = root.getLevel();
        Level accessLevel = access.getLevel();
        root.addAppender(log);
        root.setLevel(Level.DEBUG);
        access.setLevel(Level.INFO);
        String ticket = tokens.ticket("1", "doc:1", Duration.ofSeconds(60));
        String bad = tokens.ticket("1", "doc:1", Duration.ofSeconds(600));
        try (TestServer t = tokens.start()) {
            HttpResponse<InputStream> ok = t.stream("/sse/doc:1?token=" + ticket);
            assertThat(ok.statusCode()).isEqualTo(200);
            ok.body().close();
            HttpResponse<String> refused = get(t, "/sse/doc:1?token=" + bad);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain(bad);
            t.awaitNoSessions();
            TestServer.await("the access log lines of both requests", TIMEOUT, () -> log.list.stream()
                    .filter(e -> e.getLoggerName().equals(io.herald.server.http.AccessLog.LOGGER)).count() >= 2);
        } finally {
            root.detachAppender(log);
            root.setLevel(rootLevel);
            access.setLevel(accessLevel);
        }
        List<String> lines = log.list.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs()).toList();
        assertThat(lines).isNotEmpty().noneMatch(l -> l.contains(ticket) || l.contains(bad));
        assertThat(lines).anyMatch(l -> l.contains("/sse/doc:1?token=***"));
    }

    @Test
    void anExpiringTicketEndsTheStreamWith4004AndAFreshTicketResumesWithNoLoss() throws Exception {
        try (TestServer t = tokens.start()) {
            long start = System.nanoTime();
            String first = tokens.ticket("1", "doc:1", Duration.ofSeconds(5));
            HttpResponse<InputStream> stream = t.stream("/sse/doc:1?token=" + first);
            assertThat(stream.statusCode()).isEqualTo(200);
            TestServer.await("the subscription", TIMEOUT, () -> t.server().node().hub().subscriptionCount() == 1);
            List<String> got = new ArrayList<>();
            String goodbye = null;
            String lastId;
            try (BackgroundPublisher publisher = new BackgroundPublisher(t, tokens, "doc:1", 20, 400)) {
                SseReader reader = new SseReader(stream.body());
                for (SseReader.Event e; (e = reader.nextEvent()) != null; ) {
                    if ("message".equals(e.event())) {
                        got.add(e.data());
                    } else if ("herald-disconnect".equals(e.event())) {
                        goodbye = e.data();
                    }
                }
                long endedMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(goodbye).as("the goodbye").isNotNull();
                assertThat(TestServer.json(goodbye).get("code").asInt()).isEqualTo(4004);
                assertThat(TestServer.json(goodbye).get("reconnect").asBoolean()).isTrue();
                // exp (5 s, whole seconds) + grace (2 s), ended by exp + 3 s
                assertThat(endedMs).as("the stream ended after the ticket's exp + grace").isBetween(5_000L, 8_500L);
                lastId = reader.lastId();
                stream.body().close();
                HttpResponse<InputStream> again = t.stream("/sse/doc:1?token=" + tokens.ticket("1", "doc:1",
                        Duration.ofSeconds(60)), "Last-Event-ID", lastId);
                assertThat(again.statusCode()).isEqualTo(200);
                try (SseReader resumed = new SseReader(again.body())) {
                    while (got.size() < 20) {
                        SseReader.Event e = resumed.nextEvent();
                        assertThat(e).as("the resumed stream ended after %s", got).isNotNull();
                        if ("message".equals(e.event())) {
                            got.add(e.data());
                        }
                    }
                }
                publisher.join();
            }
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                expected.add("m" + i);
            }
            assertThat(got).as("the union of both streams, each once, in order").isEqualTo(expected);
        }
    }

    @Test
    void anExpiringBearerTokenEndsAnXhrStreamAndAnIframeWith4004() throws Exception {
        try (TestServer t = tokens.start()) {
            for (String path : List.of("/stream/chat:x", "/iframe/chat:x")) {
                String token = tokens.sign(TestTokens.claims("1", Duration.ofSeconds(2)));
                long start = System.nanoTime();
                HttpResponse<String> r = path.startsWith("/stream")
                        ? get(t, path, "Authorization", "Bearer " + token)
                        : get(t, path + "?token=" + tokens.sign(TestTokens.claims("1", Duration.ofSeconds(2))
                                .claim("channel", "chat:x")));
                long endedMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Cache-Control")).contains("private, no-store");
                assertThat(r.body()).as(path).contains("{\"disconnect\":{\"code\":4004,\"reason\":\"token expired\",\"reconnect\":true}}");
                // exp (2 s, whole seconds) + grace (2 s)
                assertThat(endedMs).as("%s ended after exp + grace", path).isBetween(2_000L, 5_500L);
            }
        }
    }

    /** Publishes m1..mN with the API key, one every {@code everyMs}, on its own thread. */
    private static final class BackgroundPublisher implements AutoCloseable {
        private final Thread thread;
        private volatile Throwable failure;

        BackgroundPublisher(TestServer t, TestTokens tokens, String channel, int n, long everyMs) {
            thread = new Thread(() -> {
                try {
                    for (int i = 1; i <= n; i++) {
                        HttpResponse<String> r = post(t, "/pub/" + channel, "m" + i, "X-API-Key", tokens.publishKey());
                        if (r.statusCode() != 200) {
                            throw new AssertionError("publish m" + i + ": " + r.body());
                        }
                        Thread.sleep(everyMs);
                    }
                } catch (Throwable e) {
                    failure = e;
                }
            }, "publisher");
            thread.start();
        }

        void join() throws InterruptedException {
            thread.join(TIMEOUT.toMillis() * 3);
            if (failure != null) {
                throw new AssertionError("the publisher failed", failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.join(TIMEOUT.toMillis() * 3);
        }
    }

    @Test
    void aServersApiKeyReadsHistoryButNeverSubscribes() {
        try (TestServer t = tokens.start(cfg -> { })) {
            publish(t, "doc:7", "for the backend");
            HttpResponse<String> history = get(t, "/history/doc:7", "X-API-Key", tokens.publishKey());
            assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
            assertThat(history.body()).contains("for the backend");
            for (String path : List.of("/poll/doc:7", "/longpoll/doc:7?timeout=1", "/stream/doc:7")) {
                HttpResponse<String> r = get(t, path, "X-API-Key", tokens.publishKey());
                assertThat(r.statusCode()).as(path).isEqualTo(403);
                assertThat(r.body()).as(path).doesNotContain("for the backend");
            }
            assertThat(get(t, "/history/doc:7", "X-API-Key", "wrong-" + tokens.publishKey()).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void metricsOnThePublicPortNeedAnAdminKey() {
        try (TestServer t = tokens.start(cfg -> cfg.metricsOnPublicPort(true))) {
            HttpResponse<String> none = get(t, "/metrics");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).doesNotContain("herald_");
            assertThat(get(t, "/metrics", "X-API-Key", "wrong-" + tokens.adminKey()).statusCode()).isEqualTo(401);
            HttpResponse<String> publishScope = get(t, "/metrics", "X-API-Key", tokens.publishKey());
            assertThat(publishScope.statusCode()).isEqualTo(403);
            assertThat(publishScope.body()).doesNotContain("herald_");
            assertThat(get(t, "/metrics", "Authorization", "Bearer " + tokens.token("1")).statusCode()).isEqualTo(401);
            HttpResponse<String> admin = get(t, "/metrics", "X-API-Key", tokens.adminKey());
            assertThat(admin.statusCode()).isEqualTo(200);
            assertThat(admin.body()).contains("herald_");
            assertThat(post(t, "/admin/disconnect", "", "X-API-Key", tokens.adminKey()).statusCode())
                    .as("the admin switch is never on the public port").isEqualTo(404);
        }
    }

    @Test
    void withAccessControlOffAnAuthorizationHeaderOnAReadIsIgnoredAndPublishingStaysOpen() {
        try (TestServer t = TestServer.start()) {
            JsonNode published = t.publish("doc:1", "open");
            HttpResponse<String> r = get(t, "/poll/doc:1", "Authorization", "Bearer not-a-token");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("open");
            assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertThat(r.headers().firstValue("Cache-Control")).contains("no-cache");
            assertThat(published.get("offset").asLong()).isEqualTo(1);
        }
    }

    @Test
    void apiKeysAloneGuardPublishingButNotReads() {
        try (TestServer t = TestServer.start(cfg -> cfg.auth(tokens.authConfig().keys(List.of()).build()))) {
            assertThat(post(t, "/pub/doc:1", "x").statusCode()).isEqualTo(401);
            assertThat(post(t, "/pub/doc:1", "x", "Authorization", "Bearer " + tokens.token("1", "publish", "*"))
                    .statusCode()).as("no token keys: no token is accepted").isEqualTo(401);
            publish(t, "doc:1", "keyed");
            HttpResponse<String> r = get(t, "/poll/doc:1");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("keyed");
        }
    }
}
