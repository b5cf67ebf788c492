package io.herald.server.websocket;

import static io.herald.server.websocket.WebSocketRawTest.awaitSubscriptions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Payload;
import io.herald.core.Publication;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Access control on both WebSocket forms, over real sockets (docs/protocol.md, "WebSocket protocol"
 * and "WebSocket, raw"; the hostile cases of docs/security.md): the {@code connect} command, its
 * timeout, refresh in place and expiry on {@code /ws}; the token subprotocol, the refusals before
 * the upgrade and expiry on {@code /ws/{channel}}.
 */
@Timeout(90)
class WebSocketAuthTest {
    private static final Duration HOUR = Duration.ofHours(1);
    private final TestTokens tokens = TestTokens.create();

    // ---- /ws: connect ----

    @Test
    void connectRepliesWithExpiresInAndGrantedChannelsAreServed() {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + token("42", HOUR, "doc:1") + "\"}");
            JsonNode reply = ws.nextJson();
            assertThat(reply.get("id").asLong()).isEqualTo(1);
            assertThat(reply.get("ok").asBoolean()).isTrue();
            assertThat(reply.get("expires_in").asLong()).isBetween(3590L, 3600L);
            subscribe(ws, 2, "doc:1");
            publish(t, "doc:1", "hello");
            assertThat(ws.nextJson().get("data").asText()).isEqualTo("hello");
            ws.close();
        }
    }

    /** Hostile cases 1 and 2: a forged token and alg none in every spelling: error, close 4401, nothing delivered. */
    @Test
    void forgedAndUnsecuredTokensGetUnauthorizedAndClose4401() {
        try (TestServer t = tokens.start()) {
            List<String> bad = new ArrayList<>(List.of(TestTokens.forged("42", "subscribe", "*")));
            for (String alg : List.of("none", "None", "NONE", "nOnE")) {
                bad.add(TestTokens.unsecured(alg, TestTokens.grant(TestTokens.claims("42", HOUR), "subscribe", "*").build()));
            }
            for (String token : bad) {
                WsClient ws = WsClient.connect(t, "/ws");
                ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + token + "\"}");
                assertRefused(ws, 1, "unauthorized", 4401);
                ws.close();
            }
            t.awaitNoSessions();
        }
    }

    /** Hostile case 8: an expired token gets token_expired and close 4004 (get a new token, reconnect). */
    @Test
    void expiredTokenGetsTokenExpiredAndClose4004() {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + token("42", Duration.ofSeconds(-120), "doc:1") + "\"}");
            assertRefused(ws, 1, "token_expired", 4004);
            ws.close();
        }
    }

    /** Hostile case 30: a 9 KiB token is refused before it is parsed. */
    @Test
    void oversizedTokenCloses4401() {
        try (TestServer t = tokens.start()) {
            String huge = tokens.sign(TestTokens.claims("42", HOUR).claim("pad", "x".repeat(9 * 1024)));
            assertThat(huge.length()).isGreaterThan(9 * 1024);
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + huge + "\"}");
            assertRefused(ws, 1, "unauthorized", 4401);
            ws.close();
        }
    }

    /** Hostile cases 10 and 22: subscribe before connect closes 4401, and nothing is delivered. */
    @Test
    void subscribeBeforeConnectCloses4401AndDeliversNothing() {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"demo:open\"}");
            assertRefused(ws, 1, "unauthorized", 4401);
            publish(t, "demo:open", "marker");
            ws.assertExhausted();
            ws.close();
        }
    }

    /** Hostile case 22: a socket that only pings is closed 4408 at auth.timeout. */
    @Test
    void onlyPingsCloses4408AtTheTimeout() {
        try (TestServer t = tokens.start(cfg -> cfg.auth(tokens.authConfig().timeout(Duration.ofSeconds(3)).build()))) {
            long start = System.nanoTime();
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"ping\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":1,\"ok\":true}");
            ws.send("{\"id\":2,\"op\":\"ping\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":2,\"ok\":true}");
            assertThat(ws.nextJson().at("/disconnect/code").asInt()).isEqualTo(4408);
            assertThat(ws.nextClose().code()).isEqualTo(4408);
            long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(elapsedMs).isBetween(2000L, 4000L);
            ws.close();
        }
    }

    /** Hostile case 11: a valid token without the grant gets forbidden replies, the socket stays open and gets nothing of it. */
    @Test
    void subscribeAndHistoryWithoutGrantAreForbiddenAndTheSocketStaysOpen() {
        try (TestServer t = tokens.start()) {
            WsClient ws = connected(t, token("42", HOUR, "doc:1"));
            ws.send("{\"id\":2,\"op\":\"subscribe\",\"channel\":\"doc:2\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("forbidden");
            ws.send("{\"id\":3,\"op\":\"history\",\"channel\":\"doc:2\"}");
            JsonNode history = ws.nextJson();
            assertThat(history.get("id").asLong()).isEqualTo(3);
            assertThat(history.at("/error/code").asText()).isEqualTo("forbidden");
            ws.send("{\"id\":4,\"op\":\"publish\",\"channel\":\"doc:2\",\"data\":\"x\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("forbidden");
            subscribe(ws, 5, "doc:1");
            publish(t, "doc:2", "not for us");
            publish(t, "doc:1", "for us");
            // The next push is doc:1's: nothing of doc:2 came before it.
            assertThat(ws.nextJson().get("data").asText()).isEqualTo("for us");
            ws.send("{\"id\":6,\"op\":\"history\",\"channel\":\"doc:1\"}");
            assertThat(ws.nextJson().at("/messages/0/data").asText()).isEqualTo("for us");
            ws.close();
        }
    }

    /** Hostile case 13: a subscription token for doc:1 lets its holder subscribe to doc:1 only. */
    @Test
    void subscriptionTokenServesOnlyItsChannel() {
        try (TestServer t = tokens.start()) {
            WsClient ws = connected(t, tokens.ticket("42", "doc:1", Duration.ofMinutes(2)));
            for (String other : List.of("doc:2", "doc:3")) {
                ws.send("{\"id\":2,\"op\":\"subscribe\",\"channel\":\"" + other + "\"}");
                assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("forbidden");
            }
            subscribe(ws, 3, "doc:1");
            publish(t, "doc:3", "not for us");
            publish(t, "doc:1", "for us");
            assertThat(ws.nextJson().get("data").asText()).isEqualTo("for us");
            ws.close();
        }
    }

    // ---- /ws: refresh and expiry ----

    /** Hostile case 24: a refresh before expiry keeps the same socket open past the first deadline, losing nothing. */
    @Test
    void refreshInPlaceKeepsTheSocketOpenAndDeliversEveryPublicationOnce() throws Exception {
        try (TestServer t = tokens.start(cfg -> cfg.auth(tokens.authConfig().expiryGrace(Duration.ofSeconds(2)).build()))) {
            long start = System.nanoTime();
            WsClient ws = connected(t, token("42", Duration.ofSeconds(5), "doc:1"));
            subscribe(ws, 2, "doc:1");
            try (Publisher publisher = new Publisher(t, "doc:1", 30, 500)) {
                List<Long> offsets = new ArrayList<>();
                boolean refreshed = false;
                while (offsets.size() < 30) {
                    if (!refreshed && elapsed(start).toMillis() >= 3000) {
                        ws.send("{\"id\":7,\"op\":\"refresh\",\"token\":\"" + token("42", HOUR, "doc:1") + "\"}");
                        refreshed = true;
                    }
                    JsonNode m = ws.nextJson();
                    if (m.has("ok")) {
                        assertThat(m.get("id").asLong()).isEqualTo(7);
                        assertThat(m.get("expires_in").asLong()).isBetween(3590L, 3600L);
                    } else {
                        assertThat(m.has("disconnect")).as("%s", m).isFalse();
                        offsets.add(m.get("offset").asLong());
                    }
                }
                assertThat(offsets).containsExactlyElementsOf(LongRange.of(1, 30));
                assertThat(elapsed(start).toSeconds()).isGreaterThanOrEqualTo(14);
            }
            ws.send("{\"id\":8,\"op\":\"ping\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":8,\"ok\":true}");
            ws.close();
        }
    }

    /**
     * Hostile case 25: a refresh with an expired token gets token_expired and leaves the old
     * deadline: the socket closes 4004 at the old exp plus grace; resuming with since loses nothing.
     */
    @Test
    void refreshWithAnExpiredTokenKeepsTheOldDeadlineAndResumingLosesNothing() throws Exception {
        try (TestServer t = tokens.start(cfg -> cfg.auth(tokens.authConfig().expiryGrace(Duration.ofSeconds(1)).build()))) {
            long start = System.nanoTime();
            WsClient ws = connected(t, token("42", Duration.ofSeconds(4), "doc:1"));
            subscribe(ws, 2, "doc:1");
            try (Publisher publisher = new Publisher(t, "doc:1", 40, 200)) {
                ws.send("{\"id\":3,\"op\":\"refresh\",\"token\":\"" + token("42", Duration.ofSeconds(-120), "doc:1") + "\"}");
                List<Long> offsets = new ArrayList<>();
                String lastId = null;
                int closeCode = 0;
                while (closeCode == 0) {
                    WsClient.Frame f = ws.nextMessage();
                    if (f.kind() == WsClient.Frame.Kind.CLOSE) {
                        closeCode = f.code();
                        continue;
                    }
                    JsonNode m = f.json();
                    if (m.has("error")) {
                        assertThat(m.get("id").asLong()).isEqualTo(3);
                        assertThat(m.at("/error/code").asText()).isEqualTo("token_expired");
                    } else if (m.has("disconnect")) {
                        assertThat(m.at("/disconnect/code").asInt()).isEqualTo(4004);
                        assertThat(m.at("/disconnect/reconnect").asBoolean()).isTrue();
                    } else {
                        offsets.add(m.get("offset").asLong());
                        lastId = m.get("id").asText();
                    }
                }
                assertThat(closeCode).isEqualTo(4004);
                // exp is whole seconds: the old deadline is 3..5 s after connecting; a refreshed one would be an hour.
                assertThat(elapsed(start).toMillis()).isBetween(3000L, 6500L);
                ws.close();

                WsClient again = connected(t, token("42", HOUR, "doc:1"));
                again.send("{\"id\":2,\"op\":\"subscribe\",\"channel\":\"doc:1\",\"since\":\"" + lastId + "\"}");
                assertThat(again.nextJson().get("ok").asBoolean()).isTrue();
                while (offsets.size() < 40) {
                    offsets.add(again.nextJson().get("offset").asLong());
                }
                assertThat(offsets).containsExactlyElementsOf(LongRange.of(1, 40));
                again.close();
            }
        }
    }

    /** Hostile case 25: a refresh with a token of another sub closes 4403. */
    @Test
    void refreshWithAnotherSubCloses4403() {
        try (TestServer t = tokens.start()) {
            WsClient ws = connected(t, token("42", HOUR, "doc:1"));
            ws.send("{\"id\":2,\"op\":\"refresh\",\"token\":\"" + token("43", HOUR, "doc:*") + "\"}");
            assertRefused(ws, 2, "forbidden", 4403);
            ws.close();
        }
    }

    /** A refresh with an invalid token gets unauthorized and the socket stays open. */
    @Test
    void refreshWithAForgedTokenIsAnErrorAndTheSocketStaysOpen() {
        try (TestServer t = tokens.start()) {
            WsClient ws = connected(t, token("42", HOUR, "doc:1"));
            ws.send("{\"id\":2,\"op\":\"refresh\",\"token\":\"" + TestTokens.forged("42", "subscribe", "doc:1") + "\"}");
            assertThat(ws.nextJson().at("/error/code").asText()).isEqualTo("unauthorized");
            subscribe(ws, 3, "doc:1");
            ws.close();
        }
    }

    /** Off stays off: connect and refresh are accepted without tokens and without expires_in. */
    @Test
    void connectAndRefreshAreAcceptedWhenAccessControlIsOff() {
        try (TestServer t = TestServer.start()) {
            WsClient ws = WsClient.connect(t, "/ws");
            ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"anything\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":1,\"ok\":true}");
            ws.send("{\"id\":2,\"op\":\"refresh\",\"token\":\"anything\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":2,\"ok\":true}");
            subscribe(ws, 3, "a");
            ws.close();
        }
    }

    // ---- /ws/{channel}: raw ----

    @Test
    void rawTokenInTheSubprotocolIsAcceptedAndOnlyHeraldIsSelected() {
        try (TestServer t = tokens.start()) {
            String token = token("42", HOUR, "doc:1");
            WsClient ws = WsClient.connect(t, "/ws/doc:1", "herald", "herald.bearer." + token);
            assertThat(ws.socket().getSubprotocol()).isEqualTo("herald");
            awaitSubscriptions(t, 1);
            publish(t, "doc:1", "hello");
            assertThat(ws.nextText()).isEqualTo("hello");
            ws.close();
        }
    }

    @Test
    void rawTicketInTheQueryIsAccepted() {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/ws/doc:1?token=" + tokens.ticket("42", "doc:1", Duration.ofMinutes(1)));
            awaitSubscriptions(t, 1);
            publish(t, "doc:1", "hello");
            assertThat(ws.nextText()).isEqualTo("hello");
            ws.close();
            assertThat(WsClient.refusedStatus(t, "/ws/doc:2?token=" + tokens.ticket("42", "doc:1", Duration.ofMinutes(1))))
                    .isEqualTo(401);
        }
    }

    @Test
    void rawOfferingOnlyHeraldStillWorks() {
        try (TestServer t = TestServer.start()) {
            WsClient ws = WsClient.connect(t, "/ws/open", "herald");
            assertThat(ws.socket().getSubprotocol()).isEqualTo("herald");
            awaitSubscriptions(t, 1);
            publish(t, "open", "hello");
            assertThat(ws.nextText()).isEqualTo("hello");
            ws.close();
        }
    }

    /** Hostile cases 1, 2, 8 and 10 on the raw form: 401 before any 101; a valid token without the grant: 403. */
    @Test
    void rawRefusesMissingBadAndUngrantedTokensBeforeTheUpgrade() {
        try (TestServer t = tokens.start()) {
            assertThat(WsClient.refusedStatus(t, "/ws/doc:1")).isEqualTo(401);
            assertThat(WsClient.refusedStatus(t, "/ws/doc:1", "herald")).isEqualTo(401);
            List<String> bad = new ArrayList<>(List.of(TestTokens.forged("42", "subscribe", "*"),
                    token("42", Duration.ofSeconds(-120), "doc:1")));
            for (String alg : List.of("none", "None", "NONE", "nOnE")) {
                bad.add(TestTokens.unsecured(alg, TestTokens.grant(TestTokens.claims("42", HOUR), "subscribe", "*").build()));
            }
            for (String token : bad) {
                assertThat(WsClient.refusedStatus(t, "/ws/doc:1", "herald", "herald.bearer." + token)).as(token).isEqualTo(401);
            }
            assertThat(WsClient.refusedStatus(t, "/ws/doc:2", "herald", "herald.bearer." + token("42", HOUR, "doc:1")))
                    .isEqualTo(403);
            assertThat(t.server().node().sessionCount()).isZero();
        }
    }

    /** Raw expiry: close 4004 with since=ID in the reason; reconnecting from it with a new token loses nothing. */
    @Test
    void rawExpiryCloses4004WithSinceAndResumingLosesNothing() throws Exception {
        try (TestServer t = tokens.start(cfg -> cfg.auth(tokens.authConfig().expiryGrace(Duration.ofSeconds(1)).build()))) {
            WsClient ws = WsClient.connect(t, "/ws/doc:1", "herald", "herald.bearer." + token("42", Duration.ofSeconds(3), "doc:1"));
            awaitSubscriptions(t, 1);
            try (Publisher publisher = new Publisher(t, "doc:1", 30, 200)) {
                List<String> got = new ArrayList<>();
                WsClient.Frame f;
                while ((f = ws.nextMessage()).kind() == WsClient.Frame.Kind.TEXT) {
                    got.add(f.text());
                }
                assertThat(f.code()).as("%s", f).isEqualTo(4004);
                assertThat(f.text()).startsWith("token expired since=");
                String since = f.text().substring("token expired since=".length());
                ws.close();
                WsClient again = WsClient.connect(t, "/ws/doc:1?since=" + since, "herald",
                        "herald.bearer." + token("42", HOUR, "doc:1"));
                while (got.size() < 30) {
                    got.add(again.nextText());
                }
                assertThat(got).containsExactlyElementsOf(IntStream.rangeClosed(1, 30).mapToObj(String::valueOf).toList());
                again.close();
            }
        }
    }

    // ---- helpers ----

    /** A token for {@code sub} living {@code ttl} (negative: expired) granting subscribe and history on {@code channels}. */
    private String token(String sub, Duration ttl, String... channels) {
        return tokens.sign(TestTokens.claims(sub, ttl).claim("grants",
                java.util.Map.of("subscribe", List.of(channels), "history", List.of(channels))));
    }

    /** Opens /ws and connects with {@code token}, asserting the ok reply. */
    private static WsClient connected(TestServer t, String token) {
        WsClient ws = WsClient.connect(t, "/ws");
        ws.send("{\"id\":1,\"op\":\"connect\",\"token\":\"" + token + "\"}");
        JsonNode reply = ws.nextJson();
        assertThat(reply.get("ok").asBoolean()).as("%s", reply).isTrue();
        return ws;
    }

    private static void subscribe(WsClient ws, long id, String channel) {
        ws.send("{\"id\":" + id + ",\"op\":\"subscribe\",\"channel\":\"" + channel + "\"}");
        JsonNode reply = ws.nextJson();
        assertThat(reply.get("ok").asBoolean()).as("%s", reply).isTrue();
    }

    /** The error reply to command {@code id} with {@code code}, the goodbye and the close frame with {@code close}. */
    private static void assertRefused(WsClient ws, long id, String code, int close) {
        JsonNode error = ws.nextJson();
        assertThat(error.get("id").asLong()).isEqualTo(id);
        assertThat(error.at("/error/code").asText()).as("%s", error).isEqualTo(code);
        assertThat(ws.nextJson().at("/disconnect/code").asInt()).isEqualTo(close);
        assertThat(ws.nextClose().code()).isEqualTo(close);
        ws.assertExhausted();
    }

    /** Publishes as the server (not through /pub, whose credentials are another part's). */
    private static Publication publish(TestServer t, String channel, String text) {
        return t.server().publish(channel, null, Payload.text(text)).join();
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static final class LongRange {
        static List<Long> of(long from, long to) {
            return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
        }
    }

    /** Publishes "1".."count" on a channel, one every {@code intervalMs}, on its own thread; close waits for it. */
    private static final class Publisher implements AutoCloseable {
        private final Thread thread;
        private final AtomicInteger sent = new AtomicInteger();
        private volatile Throwable failure;

        Publisher(TestServer t, String channel, int count, long intervalMs) {
            thread = new Thread(() -> {
                try {
                    for (int i = 1; i <= count; i++) {
                        publish(t, channel, String.valueOf(i));
                        sent.incrementAndGet();
                        Thread.sleep(intervalMs);
                    }
                } catch (Throwable e) {
                    failure = e;
                }
            }, "publisher");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            thread.join(60_000);
            assertThat(failure).isNull();
        }
    }
}
