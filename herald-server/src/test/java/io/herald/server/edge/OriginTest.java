package io.herald.server.edge;

import static io.herald.server.edge.Edges.assertClosedWithNothingMore;
import static io.herald.server.edge.Edges.exchange;
import static io.herald.server.edge.Edges.send;
import static io.herald.server.edge.Edges.socket;
import static io.herald.server.edge.Edges.upgrade;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.RawResponse;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The origin allow-list, CORS and security headers over real sockets (docs/protocol.md, "HTTP
 * conventions"): hostile cases 16, 17, 18 and 21 of the security design.
 */
@Timeout(60)
class OriginTest {
    private static final String APP = "https://app.example";

    private static TestServer server() {
        return TestServer.start(cfg -> cfg.corsAllowedOrigins(List.of(APP, "https://*.tenant.example")));
    }

    /** Case 16, CSWSH: an upgrade from another origin (with a cookie) is refused 403 before any 101; no frame follows. */
    @Test
    void aWebSocketUpgradeFromAnotherOriginIsRefusedBeforeAny101() throws Exception {
        try (TestServer t = server(); Edges.Witness witness = new Edges.Witness(t, "chat:a")) {
            t.publish("chat:a", "before");
            for (String path : List.of("/ws", "/ws/chat:a")) {
                try (Socket s = socket(t, "127.0.0.1")) {
                    send(s, upgrade(path, "Origin: https://evil.example\nCookie: herald_token=abc\n"));
                    RawResponse r = RawResponse.read(s.getInputStream());
                    assertThat(r.status()).as(path).isEqualTo(403);
                    assertThat(r.body()).contains("\"code\":\"origin_not_allowed\"");
                    assertThat(r.head()).doesNotContain("access-control-allow-origin", "sec-websocket-accept");
                    t.publish("chat:a", "marker");
                    assertClosedWithNothingMore(s);
                }
            }
            t.publish("chat:a", "after");
            witness.assertOffsets(4);
            assertThat(t.server().node().sessionCount()).as("only the witness has a session").isEqualTo(1);
            // The allowed origin upgrades.
            try (Socket s = socket(t, "127.0.0.1")) {
                send(s, upgrade("/ws", "Origin: " + APP + "\n"));
                assertThat(RawResponse.head(s.getInputStream())).startsWith("HTTP/1.1 101");
            }
        }
    }

    /** Case 17: look-alikes of the allowed origin are refused; the same origin in capitals and no Origin are allowed. */
    @ParameterizedTest
    @ValueSource(strings = {"https://app.example.evil", "https://evilapp.example", "http://app.example",
            "https://app.example:8443", "null", "https://\u0430pp.example", "https://app.example.", "https://app.example/",
            "https://user@app.example", "https://tenant.example", "https://a.b.tenant.example", "app.example", ""})
    void lookAlikesAreRefused(String origin) throws Exception {
        try (TestServer t = server()) {
            RawResponse r = exchangeUtf8(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: " + origin + "\n\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("origin_not_allowed");
            assertThat(r.head()).doesNotContain("access-control-allow-origin").contains("x-content-type-options: nosniff");
        }
    }

    private static RawResponse exchangeUtf8(TestServer t, String request) throws Exception {
        try (Socket s = socket(t, "127.0.0.1")) {
            s.getOutputStream().write(request.replace("\n", "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return RawResponse.read(s.getInputStream());
        }
    }

    @Test
    void theAllowedOriginIsEchoedExactlyWithVaryAndNoOriginOrTheServersOwnPass() throws Exception {
        try (TestServer t = server()) {
            RawResponse upper = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://APP.EXAMPLE\n\n");
            assertThat(upper.status()).isEqualTo(200);
            assertThat(upper.head()).contains("access-control-allow-origin: https://app.example\r\n", "vary: origin")
                    .doesNotContain("access-control-allow-credentials");
            RawResponse port = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://app.example:443\n\n");
            assertThat(port.status()).isEqualTo(200);
            RawResponse wildcard = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://x.tenant.example\n\n");
            assertThat(wildcard.status()).isEqualTo(200);
            assertThat(wildcard.hasHeader("access-control-allow-origin", "https://x.tenant.example")).isTrue();
            RawResponse none = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\n\n");
            assertThat(none.status()).isEqualTo(200);
            assertThat(none.head()).doesNotContain("access-control-allow-origin").contains("vary: origin");
            String self = "http://127.0.0.1:" + t.port();
            RawResponse same = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1:" + t.port() + "\nOrigin: " + self + "\n\n");
            assertThat(same.status()).as("the server's own origin").isEqualTo(200);
            RawResponse otherScheme = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1:" + t.port()
                    + "\nOrigin: https://127.0.0.1:" + t.port() + "\n\n");
            assertThat(otherScheme.status()).as("another scheme is another origin").isEqualTo(403);
            // A publish from the allowed origin works, and a POST from another is refused with nothing stored.
            RawResponse pub = exchange(t, "POST /pub/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: " + APP + "\nContent-Length: 2\n\nhi");
            assertThat(pub.status()).isEqualTo(200);
            RawResponse evil = exchange(t, "POST /pub/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://evil.example\n"
                    + "Content-Type: application/x-www-form-urlencoded\nContent-Length: 2\n\nhi");
            assertThat(evil.status()).isEqualTo(403);
            assertThat(TestServer.json(t.get("/history/c").body()).get("messages")).hasSize(1);
        }
    }

    /** Case 18: preflights; X-API-Key is never allowed; {@code *} never with credentials. */
    @Test
    void preflightsFollowTheListAndNeverAllowTheApiKeyHeader() throws Exception {
        try (TestServer t = server()) {
            String preflight = "OPTIONS /pub/c HTTP/1.1\nHost: 127.0.0.1\nAccess-Control-Request-Method: POST\n"
                    + "Access-Control-Request-Headers: x-api-key\nOrigin: ";
            RawResponse evil = exchange(t, preflight + "https://evil.example\n\n");
            assertThat(evil.status()).isEqualTo(403);
            assertThat(evil.head()).doesNotContain("access-control-allow-origin", "access-control-allow-credentials");
            RawResponse good = exchange(t, preflight + APP + "\n\n");
            assertThat(good.status()).isEqualTo(204);
            assertThat(good.head()).contains("access-control-allow-origin: " + APP + "\r\n", "vary: origin",
                    "access-control-allow-methods: get, post\r\n",
                    "access-control-allow-headers: authorization, content-type, idempotency-key, last-event-id\r\n",
                    "access-control-max-age: 600\r\n").doesNotContain("x-api-key", "access-control-allow-credentials");
        }
        try (TestServer t = TestServer.start()) {
            RawResponse open = exchange(t, "OPTIONS /sse/c HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://evil.example\n"
                    + "Access-Control-Request-Method: GET\n\n");
            assertThat(open.status()).as("no list: any origin, as before").isEqualTo(204);
            assertThat(open.head()).contains("access-control-allow-origin: *").doesNotContain("x-api-key",
                    "access-control-allow-credentials");
        }
    }

    /** With cookie authentication the allowed origin gets credentials; an empty list refuses to start. */
    @Test
    void credentialsGoOnlyWithAnEchoedOrigin() {
        var config = io.herald.server.ServerConfig.builder().corsAllowedOrigins(List.of(APP)).build();
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(
                Edge.of(config, true).newRequestGuard());
        var request = new io.netty.handler.codec.http.DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpMethod.GET, "/sse/c");
        request.headers().set("Origin", APP);
        ch.writeInbound(request);
        io.netty.handler.codec.http.FullHttpRequest passed = ch.readInbound();
        passed.release();
        var response = io.herald.server.http.HttpResponses.response(true, io.netty.handler.codec.http.HttpResponseStatus.OK,
                "text/plain", io.netty.buffer.Unpooled.EMPTY_BUFFER);
        ch.writeOutbound(response);
        io.netty.handler.codec.http.FullHttpResponse out = ch.readOutbound();
        assertThat(out.headers().get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(out.headers().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(out.headers().get("Referrer-Policy")).isEqualTo("no-referrer");
        out.release();
        ch.finishAndReleaseAll();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Edge.of(io.herald.server.ServerConfig.builder().build(), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("corsAllowedOrigins: []");
    }

    /** Security headers: nosniff everywhere, no-referrer on read paths; case 21 on the iframe. */
    @Test
    void responsesCarryTheSecurityHeadersAndTheIframeItsFrameAncestors() throws Exception {
        try (TestServer t = server()) {
            RawResponse history = exchange(t, "GET /history/c HTTP/1.1\nHost: 127.0.0.1\n\n");
            assertThat(history.head()).contains("x-content-type-options: nosniff", "referrer-policy: no-referrer");
            RawResponse notFound = exchange(t, "GET /nothing HTTP/1.1\nHost: 127.0.0.1\n\n");
            assertThat(notFound.head()).contains("x-content-type-options: nosniff").doesNotContain("referrer-policy");
            for (String callback : List.of("alert(1)//", "a;b", "constructor.constructor" + ".x".repeat(140), "a..b", "1a")) {
                RawResponse bad = exchange(t, "GET /iframe/c?callback=" + java.net.URLEncoder.encode(callback,
                        java.nio.charset.StandardCharsets.UTF_8) + " HTTP/1.1\nHost: 127.0.0.1\n\n");
                assertThat(bad.status()).as(callback).isEqualTo(400);
                assertThat(bad.body()).contains("invalid_callback");
            }
            try (Socket s = socket(t, "127.0.0.1")) {
                send(s, "GET /iframe/c?callback=cb HTTP/1.1\nHost: 127.0.0.1\n\n");
                String head = RawResponse.head(s.getInputStream()).toLowerCase(java.util.Locale.ROOT);
                assertThat(head).startsWith("http/1.1 200").contains("x-content-type-options: nosniff",
                        "referrer-policy: no-referrer",
                        "content-security-policy: frame-ancestors 'self' https://app.example https://*.tenant.example\r\n");
                TestServer.await("the iframe subscribed", java.time.Duration.ofSeconds(5),
                        () -> t.server().node().subscriptionCount() == 1);
                t.publish("c", "</script><script>x()</script>");
                byte[] buffer = new byte[65536];
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains("x()")) {
                    int n = s.getInputStream().read(buffer);
                    assertThat(n).isPositive();
                    seen.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                }
                assertThat(seen.toString()).contains("\\u003c/script").doesNotContain("</script><script>x()");
            }
        }
        try (TestServer t = TestServer.start(); WsClient ws = WsClient.connect(t, "/ws")) {
            // No list: the upgrade and every route work from any origin, as before.
            ws.send("{\"id\":1,\"op\":\"ping\"}");
            assertThat(ws.nextText()).isEqualTo("{\"id\":1,\"ok\":true}");
            try (Socket s = socket(t, "127.0.0.1")) {
                send(s, "GET /iframe/c?callback=x HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://evil.example\n\n");
                assertThat(RawResponse.head(s.getInputStream()).toLowerCase(java.util.Locale.ROOT)).startsWith("http/1.1 200")
                        .contains("access-control-allow-origin: *", "frame-ancestors *");
            }
            TestServer.await("the iframe ended", java.time.Duration.ofSeconds(5), () -> t.server().node().sessionCount() == 1);
        }
    }
}
