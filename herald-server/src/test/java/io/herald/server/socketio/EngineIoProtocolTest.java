package io.herald.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.core.NodeConfig;
import io.herald.server.testing.TestServer;
import io.herald.server.testing.WsClient;
import io.herald.server.testing.WsClient.Frame;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Engine.IO v4 from its specification (docs/protocol.md, "Socket.IO"), over real sockets with
 * java.net.http: the handshake, the errors and their codes, long polling with several packets and
 * binary, the upgrade to WebSocket (probe, noop, upgrade; polling refused after it), the server's
 * ping and the ping timeout closing a client that does not answer, close, the payload limit. The
 * echo server of the conformance switch ({@code /engine.io/}) answers messages.
 */
class EngineIoProtocolTest {
    private static final String EIO = "/engine.io/?EIO=4&transport=";

    private static TestServer conformance() {
        return TestServer.start(b -> b.conformance(true));
    }

    private static String handshake(TestServer server) {
        HttpResponse<String> r = server.get(EIO + "polling");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("0");
        return TestServer.json(r.body().substring(1)).path("sid").asText();
    }

    private static HttpResponse<String> post(TestServer server, String sid, String body) {
        return server.send(HttpRequest.newBuilder(server.uri(EIO + "polling&sid=" + sid)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "text/plain;charset=UTF-8").build());
    }

    @Test
    void theHandshakeAnnouncesTheSessionAndItsSettings() {
        try (TestServer server = conformance()) {
            HttpResponse<String> r = server.get(EIO + "polling");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            JsonNode open = TestServer.json(r.body().substring(1));
            assertThat(open.path("sid").asText()).hasSize(20);
            assertThat(open.path("upgrades").toString()).isEqualTo("[\"websocket\"]");
            assertThat(open.path("pingInterval").asInt()).isEqualTo(300);
            assertThat(open.path("pingTimeout").asInt()).isEqualTo(200);
            assertThat(open.path("maxPayload").asInt()).isEqualTo(1_000_000);
            try (WsClient ws = WsClient.connect(server, EIO + "websocket")) {
                JsonNode wsOpen = TestServer.json(ws.nextText().substring(1));
                assertThat(wsOpen.path("upgrades").toString()).isEqualTo("[]");
            }
        }
    }

    @Test
    void badRequestsGetTheSpecsCodes() {
        try (TestServer server = conformance()) {
            assertError(server.get("/engine.io/?transport=polling"), 5, "Unsupported protocol version");
            assertError(server.get("/engine.io/?EIO=3&transport=polling"), 5, "Unsupported protocol version");
            assertError(server.get("/engine.io/?EIO=4&transport=abc"), 0, "Transport unknown");
            assertError(server.get(EIO + "polling&sid=nope"), 1, "Session ID unknown");
            assertError(server.send(HttpRequest.newBuilder(server.uri(EIO + "polling"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build()), 2, "Bad handshake method");
        }
    }

    private static void assertError(HttpResponse<String> r, int code, String message) {
        assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(400);
        JsonNode body = TestServer.json(r.body());
        assertThat(body.path("code").asInt()).isEqualTo(code);
        assertThat(body.path("message").asText()).isEqualTo(message);
    }

    @Test
    void longPollingCarriesSeveralPacketsAndBinaryBothWays() {
        try (TestServer server = conformance()) {
            String sid = handshake(server);
            HttpResponse<String> posted = post(server, sid, "4a\u001e4b\u001ebAQIDBA==");
            assertThat(posted.statusCode()).isEqualTo(200);
            assertThat(posted.body()).isEqualTo("ok");
            assertThat(server.get(EIO + "polling&sid=" + sid).body()).isEqualTo("4a\u001e4b\u001ebAQIDBA==");
        }
    }

    @Test
    void aBadPacketOrASecondPollEndsTheSession() {
        try (TestServer server = conformance()) {
            String sid = handshake(server);
            assertThat(post(server, sid, "abc").statusCode()).isEqualTo(400);
            assertThat(server.get(EIO + "polling&sid=" + sid).statusCode()).isEqualTo(400);

            String sid2 = handshake(server);
            var polls = java.util.stream.Stream.of(1, 2).map(i -> server.http().sendAsync(HttpRequest.newBuilder(
                    server.uri(EIO + "polling&sid=" + sid2)).build(), HttpResponse.BodyHandlers.ofString())).toList();
            var answers = polls.stream().map(f -> f.join().statusCode() + " " + f.join().body()).toList();
            assertThat(answers).as("two polls at once: the second refused, the first answered with close")
                    .containsExactlyInAnyOrder("200 1", "400 {\"code\":3,\"message\":\"Bad request\"}");
            assertThat(server.get(EIO + "polling&sid=" + sid2).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void theUpgradeProbesThenMovesTheSessionToTheWebSocket() {
        try (TestServer server = conformance()) {
            String sid = handshake(server);
            try (WsClient ws = WsClient.connect(server, EIO + "websocket&sid=" + sid)) {
                ws.send("2probe");
                assertThat(ws.nextText()).isEqualTo("3probe");
                assertThat(server.get(EIO + "polling&sid=" + sid).body()).as("a poll during the upgrade").isEqualTo("6");
                ws.send("5");
                ws.send("4hello");
                assertThat(nextBesidesPings(ws).text()).isEqualTo("4hello");
                ws.sendBinary(new byte[] {1, 2, 3});
                assertThat(nextBesidesPings(ws).bytes()).containsExactly(1, 2, 3);
                assertThat(server.get(EIO + "polling&sid=" + sid).statusCode()).as("a poll after it").isEqualTo(400);
                try (WsClient second = WsClient.connect(server, EIO + "websocket&sid=" + sid)) {
                    assertThat(second.nextClose().kind()).isEqualTo(Frame.Kind.CLOSE);
                }
                ws.send("4still");
                assertThat(nextBesidesPings(ws).text()).isEqualTo("4still");
            }
        }
    }

    @Test
    void theServerPingsAndClosesAClientThatDoesNotAnswer() {
        try (TestServer server = conformance()) {
            try (WsClient ws = WsClient.connect(server, EIO + "websocket")) {
                ws.nextText(); // open
                for (int i = 0; i < 3; i++) {
                    assertThat(ws.nextText()).isEqualTo("2");
                    ws.send("3");
                }
                long start = System.nanoTime();
                assertThat(ws.nextText()).isEqualTo("2"); // not answered
                assertThat(ws.nextClose().kind()).isEqualTo(Frame.Kind.CLOSE);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
            String sid = handshake(server);
            TestServer.await("the polling session ended by the ping timeout", Duration.ofSeconds(5),
                    () -> server.get(EIO + "polling&sid=" + sid).statusCode() == 400);
        }
    }

    @Test
    void theClientsClosePacketEndsTheSession() {
        try (TestServer server = conformance()) {
            try (WsClient ws = WsClient.connect(server, EIO + "websocket")) {
                ws.nextText();
                ws.send("1");
                assertThat(ws.nextClose().kind()).isEqualTo(Frame.Kind.CLOSE);
            }
            String sid = handshake(server);
            assertThat(post(server, sid, "1").statusCode()).isEqualTo(200);
            assertThat(server.get(EIO + "polling&sid=" + sid).body()).as("the poll sent with the close").isEqualTo("6");
            assertThat(server.get(EIO + "polling&sid=" + sid).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void messagesOverThePayloadLimitAreRefused() {
        try (TestServer server = TestServer.start(b -> b.node(NodeConfig.builder().maxPayloadBytes(1024).build()))) {
            HttpResponse<String> r = server.get("/socket.io/?EIO=4&transport=polling");
            JsonNode open = TestServer.json(r.body().substring(1));
            assertThat(open.path("maxPayload").asInt()).isEqualTo(1024);
            String sid = open.path("sid").asText();
            assertThat(server.send(HttpRequest.newBuilder(server.uri("/socket.io/?EIO=4&transport=polling&sid=" + sid))
                    .POST(HttpRequest.BodyPublishers.ofString("4" + "x".repeat(2000))).build()).statusCode()).isEqualTo(413);
            try (WsClient ws = WsClient.connect(server, "/socket.io/?EIO=4&transport=websocket")) {
                ws.nextText();
                ws.send("4" + "x".repeat(2000));
                assertThat(ws.nextClose().code()).isEqualTo(1009);
            }
        }
    }

    /**
     * The next text or binary message that is not the server's ping: once the session is on the
     * WebSocket the server pings it there every 300 ms (the conformance setting), at any moment
     * between the test's own messages, and closes it unless a pong comes within 200 ms; each ping is
     * answered at once.
     */
    private static Frame nextBesidesPings(WsClient ws) {
        while (true) {
            Frame f = ws.nextMessage();
            if (f.kind() == Frame.Kind.TEXT && f.text().equals("2")) {
                ws.send("3");
                continue;
            }
            return f;
        }
    }
}
