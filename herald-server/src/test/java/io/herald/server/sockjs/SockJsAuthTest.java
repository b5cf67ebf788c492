package io.herald.server.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.Payload;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.TestTokens;
import io.herald.server.testing.WsClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Access control on {@code /sockjs} as on {@code /ws} (docs/protocol.md, "SockJS" and "WebSocket
 * protocol"): the first command must be {@code connect} with a token; anything else first is
 * {@code unauthorized} and the session closes {@code 4401}; a connected session is served the
 * channels its token grants and refused the others with the session kept. With {@code auth.cookie}
 * on, the token cookie of the request that opens the session (each SockJS transport, WebSocket
 * included) connects it as an SSE request's cookie admits the request (docs/security.md); a cookie
 * that does not verify ends the session 4401 (expired: 4004).
 */
@Timeout(60)
class SockJsAuthTest {
    private final TestTokens tokens = TestTokens.create();

    private String token(String sub, String... channels) {
        return tokens.sign(TestTokens.claims(sub, Duration.ofHours(1)).claim("grants",
                Map.of("subscribe", List.of(channels), "history", List.of(channels))));
    }

    private static List<JsonNode> messages(String frame) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode m : TestServer.JSON.readTree(frame.substring(1))) {
            out.add(TestServer.json(m.textValue()));
        }
        return out;
    }

    @Test
    void aCommandBeforeConnectIsUnauthorizedAndCloses4401() throws Exception {
        try (TestServer t = tokens.start()) {
            String s = "/sockjs/000/" + UUID.randomUUID();
            assertThat(t.post(s + "/xhr", "", null).body()).isEqualTo("o\n");
            assertThat(t.post(s + "/xhr_send", "[\"{\\\"id\\\":1,\\\"op\\\":\\\"subscribe\\\",\\\"channel\\\":\\\"doc:1\\\"}\"]",
                    "text/plain").statusCode()).isEqualTo(204);
            String frame = t.post(s + "/xhr", "", null).body();
            List<JsonNode> got = messages(frame.strip());
            assertThat(got.get(0).at("/error/code").asText()).isEqualTo("unauthorized");
            assertThat(got.get(1).at("/disconnect/code").asInt()).isEqualTo(4401);
            assertThat(t.post(s + "/xhr", "", null).body()).startsWith("c[4401,");
            t.awaitNoSessions();
        }
    }

    @Test
    void aConnectedSessionIsServedWhatItsTokenGrants() throws Exception {
        try (TestServer t = tokens.start()) {
            WsClient ws = WsClient.connect(t, "/sockjs/000/" + UUID.randomUUID() + "/websocket");
            assertThat(ws.nextText()).isEqualTo("o");
            ws.send(TestServer.JSON.writeValueAsString(List.of(
                    "{\"id\":1,\"op\":\"connect\",\"token\":\"" + token("42", "doc:1") + "\"}",
                    "{\"id\":2,\"op\":\"subscribe\",\"channel\":\"doc:1\"}",
                    "{\"id\":3,\"op\":\"subscribe\",\"channel\":\"doc:2\"}")));
            List<JsonNode> got = new ArrayList<>();
            while (got.size() < 3) {
                got.addAll(messages(ws.nextText()));
            }
            assertThat(got.get(0).get("expires_in").asLong()).isBetween(3590L, 3600L);
            assertThat(got).anySatisfy(m -> assertThat(m.path("id").asInt() == 2 && m.path("ok").asBoolean()).isTrue());
            assertThat(got).anySatisfy(m -> {
                assertThat(m.path("id").asInt()).isEqualTo(3);
                assertThat(m.at("/error/code").asText()).isEqualTo("forbidden");
            });
            t.server().publish("doc:1", null, Payload.text("granted")).join();
            assertThat(messages(ws.nextText()).get(0).get("data").asText()).isEqualTo("granted");
            ws.close();
        }
    }

    /** A server with cookie authentication (it needs an origin allow-list). */
    private TestServer cookieServer() {
        return tokens.start(cfg -> cfg.auth(tokens.authConfig().cookie(true).build())
                .corsAllowedOrigins(List.of("https://app.example")));
    }

    private static String commands(String... commands) {
        try {
            return TestServer.JSON.writeValueAsString(List.of(commands));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A session opened on {@code transport} by a request carrying {@code cookie}: commands go by
     * {@code xhr_send} (the WebSocket's own messages), what the server sends collects in
     * {@link #text} (polling transports poll again on each {@link #read}).
     */
    private static final class CookieSession implements AutoCloseable {
        final String session = "/sockjs/000/" + UUID.randomUUID();
        final TestServer t;
        final String transport;
        final StringBuffer text = new StringBuffer();
        WsClient ws;
        SockJsTest.Reader reader;
        InputStream stream;

        CookieSession(TestServer t, String transport, String cookie) throws Exception {
            this.t = t;
            this.transport = transport;
            String header = "herald_token=" + cookie;
            String callback = transport.equals("htmlfile") || transport.equals("jsonp") ? "?c=cb" : "";
            switch (transport) {
                case "websocket" -> ws = WsClient.connectWithHeaders(t, session + "/websocket", Map.of("Cookie", header));
                case "xhr", "jsonp" -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(session + "/" + transport + callback)).header("Cookie", header);
                    text.append(t.send((transport.equals("xhr") ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET()).build()).body());
                }
                default -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(session + "/" + transport + callback)).header("Cookie", header);
                    HttpResponse<InputStream> r = t.http().send((transport.equals("xhr_streaming")
                            ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET()).build(), HttpResponse.BodyHandlers.ofInputStream());
                    assertThat(r.statusCode()).isEqualTo(200);
                    stream = r.body();
                    reader = new SockJsTest.Reader(stream);
                }
            }
        }

        /** Everything received so far. */
        String all() {
            return reader != null ? reader.text() : text.toString();
        }

        void send(String... messages) {
            if (ws != null) {
                ws.send(commands(messages));
            } else {
                assertThat(t.post(session + "/xhr_send", commands(messages), "text/plain").statusCode()).isEqualTo(204);
            }
        }

        /** Everything received so far, after one more poll or frame when the transport needs one. */
        String read() {
            switch (transport) {
                case "websocket" -> {
                    WsClient.Frame f = ws.next();
                    text.append(f.kind() == WsClient.Frame.Kind.CLOSE ? "CLOSE " + f.code() : f.text()).append('\n');
                }
                case "xhr" -> text.append(t.post(session + "/xhr", "", null).body());
                case "jsonp" -> text.append(t.get(session + "/jsonp?c=cb").body());
                default -> {
                    return reader.text();
                }
            }
            return text.toString();
        }

        @Override
        public void close() throws IOException {
            if (ws != null) {
                ws.close();
            }
            if (stream != null) {
                stream.close();
            }
        }
    }

    /**
     * Each way into a SockJS session, the WebSocket and every HTTP transport: the opening request's
     * token cookie connects the session (no {@code connect} command), which is served the channels
     * its token grants and refused the others ({@code forbidden}, the session kept).
     */
    @ParameterizedTest
    @ValueSource(strings = {"websocket", "xhr", "xhr_streaming", "eventsource", "htmlfile", "jsonp"})
    void theAuthCookieOfTheOpeningRequestConnectsTheSession(String transport) throws Exception {
        try (TestServer t = cookieServer(); CookieSession s = new CookieSession(t, transport, token("42", "doc:1"))) {
            s.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"doc:2\"}", "{\"id\":2,\"op\":\"subscribe\",\"channel\":\"doc:1\"}");
            TestServer.await("the granted subscription", Duration.ofSeconds(10), () -> t.server().node().subscriptionCount() == 1);
            t.server().publish("doc:1", null, Payload.text("granted")).join();
            TestServer.await("the refusal and the publication", Duration.ofSeconds(10),
                    () -> s.read().contains("granted") && s.all().contains("forbidden"));
            assertThat(s.all()).doesNotContain("unauthorized").doesNotContain("disconnect");
        }
    }

    /**
     * The hostile cases: a cookie that does not verify (forged) ends the session with the error and
     * 4401; an expired one with {@code token_expired} and 4004; a cookie's session ends 4004 when
     * its token expires (plus the grace); a server without {@code auth.cookie} reads no cookie.
     */
    @Test
    void aBadOrExpiredCookieEndsTheSessionAndNoCookieIsReadWithoutAuthCookie() throws Exception {
        try (TestServer t = cookieServer()) {
            try (CookieSession forged = new CookieSession(t, "xhr", TestTokens.forged("42", "subscribe", "doc:1"))) {
                assertThat(forged.all()).isEqualTo("o\n");
                String frame = forged.read().substring(2).strip();
                List<JsonNode> got = messages(frame);
                assertThat(got.get(0).at("/error/code").asText()).isEqualTo("unauthorized");
                assertThat(got.get(1).at("/disconnect/code").asInt()).isEqualTo(4401);
                assertThat(t.post(forged.session + "/xhr", "", null).body()).startsWith("c[4401,");
            }
            try (CookieSession expired = new CookieSession(t, "websocket", tokens.expired("42", Duration.ofMinutes(5)))) {
                TestServer.await("the close", Duration.ofSeconds(10), () -> expired.read().contains("CLOSE"));
                assertThat(expired.all()).startsWith("o\n").contains("token_expired").contains("c[4004,").endsWith("CLOSE 4004\n");
            }
            String shortLived = tokens.sign(TestTokens.claims("42", Duration.ofSeconds(1)).claim("grants",
                    Map.of("subscribe", List.of("doc:1"))));
            try (CookieSession expiring = new CookieSession(t, "websocket", shortLived)) {
                expiring.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"doc:1\"}");
                TestServer.await("the end at the token's expiry plus the grace (2 s)", Duration.ofSeconds(15),
                        () -> expiring.read().contains("CLOSE"));
                assertThat(expiring.all()).contains("\\\"ok\\\":true").contains("c[4004,").endsWith("CLOSE 4004\n");
            }
            t.awaitNoSessions();
        }
        try (TestServer t = tokens.start();
             CookieSession ignored = new CookieSession(t, "xhr", token("42", "doc:1"))) {
            ignored.send("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"doc:1\"}");
            TestServer.await("the refusal", Duration.ofSeconds(10), () -> ignored.read().contains("c[4401,"));
            assertThat(ignored.all()).contains("unauthorized");
        }
    }
}
